namespace Deploy.Docker.Archives;

/// <summary>How a <c>docker save</c> archive describes its images.</summary>
public enum ImageArchiveLayout
{
    /// <summary><c>manifest.json</c> (and <c>repositories</c>), written by every Docker version.</summary>
    DockerLegacy,
    /// <summary>An OCI image layout (<c>oci-layout</c> + <c>index.json</c> + <c>blobs/</c>) without <c>manifest.json</c>.</summary>
    Oci,
}
