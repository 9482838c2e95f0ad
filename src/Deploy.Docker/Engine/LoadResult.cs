namespace Deploy.Docker.Engine;

/// <summary>What <c>docker load</c> reported.</summary>
/// <param name="References">The references loaded (<c>Loaded image: repo:tag</c>).</param>
/// <param name="ImageIds">The IDs of untagged images loaded (<c>Loaded image ID: sha256:...</c>).</param>
public sealed record LoadResult(IReadOnlyList<string> References, IReadOnlyList<string> ImageIds);
