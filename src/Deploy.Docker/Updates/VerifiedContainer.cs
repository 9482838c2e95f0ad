namespace Deploy.Docker.Updates;

/// <summary>A container the update verified: it runs the new image and stayed up for the settle time.</summary>
/// <param name="Service">The compose service.</param>
/// <param name="Container">The container name.</param>
public sealed record VerifiedContainer(string Service, string Container);
