namespace Deploy.Docker.Engine;

/// <summary>An image in the engine.</summary>
/// <param name="Id">The image ID (<c>sha256:...</c>).</param>
/// <param name="Repository">The repository, or <c>&lt;none&gt;</c>.</param>
/// <param name="Tag">The tag, or <c>&lt;none&gt;</c>.</param>
/// <param name="Size">The size as the engine prints it.</param>
public sealed record ImageInfo(string Id, string Repository, string Tag, string Size);
