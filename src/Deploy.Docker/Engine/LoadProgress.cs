namespace Deploy.Docker.Engine;

/// <summary>Progress of <see cref="DockerEngine"/> loads: archive bytes sent to <c>docker load</c>.</summary>
/// <param name="Archive">The archive being loaded.</param>
/// <param name="BytesSent">Bytes of the archive sent so far.</param>
/// <param name="TotalBytes">The archive size, or -1 when unknown.</param>
public readonly record struct LoadProgress(string Archive, long BytesSent, long TotalBytes);
