namespace Deploy.Docker.Engine;

/// <summary>What <see cref="DockerEngine.DetectAsync"/> found on a host.</summary>
/// <param name="ServerVersion">The engine (daemon) version.</param>
/// <param name="ClientVersion">The docker CLI version.</param>
/// <param name="ApiVersion">The negotiated API version.</param>
/// <param name="Compose">The compose flavour.</param>
/// <param name="ComposeVersion">The compose version as printed by <c>version --short</c>.</param>
public sealed record DockerInfo(string ServerVersion, string ClientVersion, string ApiVersion, ComposeFlavor Compose, string ComposeVersion);
