namespace Deploy.Docker.Engine;

/// <summary>Progress of <see cref="DockerEngine.LoadAsync"/>: archive bytes streamed into <c>docker load</c>.</summary>
/// <param name="Archive">The archive being loaded.</param>
/// <param name="BytesSent">Bytes of the archive sent so far.</param>
/// <param name="TotalBytes">The archive size.</param>
public readonly record struct LoadProgress(string Archive, long BytesSent, long TotalBytes);
