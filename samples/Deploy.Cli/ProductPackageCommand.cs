using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Deploy.Cli.Output;
using Deploy.Packaging.Products;

namespace Deploy.Cli;

/// <summary>`deploy package product DIR`: builds a product folder (product.yaml + one folder per service) into the
/// lifecycle's <c>install_product</c> package that `deploy install -f` takes.</summary>
internal static class ProductPackageCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "The product folder (product.yaml and one folder per service)" };
        var output = new Option<string?>("--out-dir") { Description = "Where <name>-<version>.tar.gz is written (default: the current folder)" };
        var sign = new Option<string?>("--sign") { Description = "Sign the manifest with this ECDSA P-256 private key (PEM)" };
        var command = new Command("product", "Build a product folder into an install_product package for `deploy install -f` (the product is loaded and checked first)") { dir, output, sign };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            using var key = parse.GetValue(sign) is { } keyPath ? ECDsa.Create() : null;
            key?.ImportFromPem(await File.ReadAllTextAsync(parse.GetValue(sign)!, ct).ConfigureAwait(false));
            var result = await ProductPackage.BuildAsync(parse.GetValue(dir)!, parse.GetValue(output) ?? Directory.GetCurrentDirectory(), key, cancellationToken: ct).ConfigureAwait(false);
            CliOutput.Current.Result(
                new { Path = result.OutputPath, result.Version.PackageName, result.Version.PackageType, result.Version.OsRelease, PayloadEntries = result.Manifest.Payload.Count, result.Bytes, result.Sha256, result.Signed },
                result.OutputPath + "\n" + string.Create(CultureInfo.InvariantCulture, $"  {result.Version.PackageType} for {result.Version.OsRelease}; {result.Manifest.Payload.Count} payload entries; {result.Bytes} bytes; sha256 {result.Sha256}{(result.Signed ? "; signed" : "")}"));
            return 0;
        }));
        return command;
    }
}
