using Deploy.Docker.Images;

namespace Deploy.Docker.Archives;

/// <summary>One image inside a <c>docker save</c> archive.</summary>
/// <param name="Tags">The references it is tagged with (empty for an untagged image).</param>
/// <param name="ImageId">The image ID, <c>sha256:</c> + the config digest.</param>
/// <param name="LayerCount">How many layers it has.</param>
/// <param name="Size">The total size of its layer blobs in the archive, in bytes.</param>
public sealed record ArchivedImage(IReadOnlyList<ImageReference> Tags, string ImageId, int LayerCount, long Size);
