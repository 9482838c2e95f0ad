using Deploy.Docker.Images;

namespace Deploy.Docker.Updates;

/// <summary>An image the update brings: its new reference, its image ID, and the archive it comes from.</summary>
/// <param name="Reference">The new reference, e.g. <c>encoo/console-web-v4-pvt:4.1.76383</c>.</param>
/// <param name="ImageId">The image ID (<c>sha256:...</c>) recorded in the archive.</param>
/// <param name="Archive">The local path of the archive.</param>
public sealed record ImageTarget(ImageReference Reference, string ImageId, string Archive);
