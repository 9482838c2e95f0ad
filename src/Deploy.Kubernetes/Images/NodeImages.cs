namespace Deploy.Kubernetes.Images;

/// <summary>The images of one node: what was loaded (or, in a plan, what would be), and what it still lacks.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Runtime">How images were (or would be) loaded: <see cref="NodeRuntime.Auto"/> only in a plan.</param>
/// <param name="Archives">The archives loaded (or to load), local paths.</param>
/// <param name="Images">The images of those archives (<c>repository:tag</c>).</param>
/// <param name="Missing">The images the node lacks after the load (empty in a plan).</param>
/// <param name="Failures">The loads that failed on the node (archive and reason).</param>
public sealed record NodeImages(string Node, NodeRuntime Runtime, IReadOnlyList<string> Archives, IReadOnlyList<string> Images,
    IReadOnlyList<string> Missing, IReadOnlyList<string> Failures);
