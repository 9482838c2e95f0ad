namespace Deploy.Packaging.Model;

/// <summary>
/// The files of a package (all under one top folder named after <c>package_name</c>):
/// <c>install</c> (launcher), <c>manifest.json</c>, optional <c>manifest.sig</c>, <c>package.tar.gz</c> (payload)
/// and <c>version.json</c>. Extraction (the reader) unpacks the payload into
/// <see cref="PayloadDirectory"/> instead of keeping package.tar.gz.
/// </summary>
public static class PackageLayout
{
    /// <summary>The launcher script.</summary>
    public const string Launcher = "install";

    /// <summary>The payload archive.</summary>
    public const string PayloadArchive = "package.tar.gz";

    /// <summary>The folder an extracted payload goes to.</summary>
    public const string PayloadDirectory = "payload";

    /// <summary>The output file name for a package name.</summary>
    public static string OutputFileName(string packageName) => packageName + ".tar.gz";
}
