using Deploy.Packaging.Model;
using Deploy.Packaging.Signing;

namespace Deploy.Packaging.Reading;

/// <summary>How <see cref="PackageReader"/> verifies and extracts packages.</summary>
public sealed record PackageReadOptions
{
    /// <summary>Which signatures are accepted. <value>The default is <see cref="TrustPolicy.Permissive"/>.</value></summary>
    public TrustPolicy Trust { get; init; } = TrustPolicy.Permissive;

    /// <summary>Limits against hostile archives. <value>The default is <c>new ExtractionLimits()</c>.</value></summary>
    public ExtractionLimits Limits { get; init; } = new();

    /// <summary>Known package types. <value>The default is <see cref="PackageTypeRegistry.Default"/>.</value></summary>
    public PackageTypeRegistry Registry { get; init; } = PackageTypeRegistry.Default;
}
