using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Packaging.Building;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;

namespace Deploy.Packaging.Products;

/// <summary>
/// The product package of the lifecycle (laipvt's <c>-f PKG</c>): an offline package of type
/// <c>install_product</c> whose payload is a product folder (<c>product.yaml</c> and one folder per service, see
/// <see cref="ProductLoader"/>). Built, signed and verified like every package; applied by the lifecycle engine
/// (<c>Deploy.Core.Lifecycle.Engine.LifecycleEngine</c>), not by <see cref="PackageInstaller"/>.
/// </summary>
public static class ProductPackage
{
    /// <summary><c>install_product</c>.</summary>
    public static PackageType Type { get; } = new("install_product");

    /// <summary>The <c>version.json</c> field holding the product's version (a JSON string).</summary>
    public const string VersionField = "product_version";

    /// <summary><paramref name="registry"/> (the five rdb types when <c>null</c>) with <see cref="Type"/> added.</summary>
    public static PackageTypeRegistry Register(PackageTypeRegistry? registry = null) =>
        (registry ?? PackageTypeRegistry.Default).With(Type, "product", ProductInstallStrategy.Instance, "product for the lifecycle engine (product.yaml and one folder per service)");

    /// <summary>The file name <see cref="BuildAsync"/> writes for <paramref name="product"/>: <c>&lt;name&gt;-&lt;version&gt;.tar.gz</c>.</summary>
    public static string FileName(ProductDefinition product)
    {
        ArgumentNullException.ThrowIfNull(product);
        return PackageLayout.OutputFileName(PackageName(product));
    }

    /// <summary>
    /// Loads the product folder <paramref name="productDirectory"/> (so a bad product fails here, naming file and
    /// field, not on a customer's server) and writes <c>&lt;name&gt;-&lt;version&gt;.tar.gz</c> into
    /// <paramref name="outputDirectory"/>: <c>os_release</c> from the product's <c>osRelease</c>, the version in
    /// <see cref="VersionField"/>, the folder as the payload (deterministic: the same folder gives the same bytes).
    /// </summary>
    public static async Task<PackageBuildResult> BuildAsync(string productDirectory, string outputDirectory, ECDsa? signingKey = null, PackageBuildOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(productDirectory);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var product = await ProductLoader.LoadAsync(productDirectory, cancellationToken).ConfigureAwait(false);
        if (product.OsRelease.Count == 0)
        {
            throw new DeployException(DeployErrorCode.InvalidConfiguration, $"{product.SourceFile}: 'osRelease' is empty; a product package says which systems it installs on (e.g. osRelease: debian,centos,bclinux).") { Path = product.SourceFile };
        }

        var version = new VersionInfo(PackageName(product), Type, OsReleaseFilter.Parse(string.Join(',', product.OsRelease)))
        {
            ExtraFields = [new(VersionField, System.Text.Json.JsonSerializer.Serialize(product.Version.ToString()))],
        };
        var builder = PackageBuilder.Create(version.PackageName).WithRegistry(Register()).WithVersionInfo(version).WithPayloadDirectory(productDirectory);
        if (options is not null)
        {
            builder = builder.WithOptions(options);
        }

        if (signingKey is not null)
        {
            builder = builder.SignWith(signingKey);
        }

        return await builder.BuildToDirectoryAsync(outputDirectory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens <paramref name="path"/>: a product folder is loaded as it is; a package is verified (hashes, signature
    /// per <paramref name="options"/>, hostile entries), extracted into a private temporary folder and loaded. A
    /// package of another type is refused (<see cref="DeployErrorCode.UnknownPackageType"/>). Dispose the result to
    /// delete the temporary folder.
    /// </summary>
    public static async Task<OpenedProduct> OpenAsync(string path, PackageReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return new OpenedProduct(await ProductLoader.LoadAsync(path, cancellationToken).ConfigureAwait(false), null, null);
        }

        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The product package '{path}' does not exist.") { Path = path };
        }

        var temp = Path.Combine(Path.GetTempPath(), "deploy-product-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var reader = new PackageReader((options ?? new PackageReadOptions()) with { Registry = Register() });
            var package = await reader.ExtractAsync(path, temp, cancellationToken).ConfigureAwait(false);
            if (package.Version.PackageType != Type)
            {
                throw new DeployException(DeployErrorCode.UnknownPackageType, $"'{path}' is a {package.Version.PackageType} package, not a product package ({Type}).") { Path = path };
            }

            var product = await ProductLoader.LoadAsync(package.PayloadDirectory!, cancellationToken).ConfigureAwait(false);
            return new OpenedProduct(product, package, temp);
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            throw;
        }
    }

    private static string PackageName(ProductDefinition product) => product.Name + "-" + product.Version;
}
