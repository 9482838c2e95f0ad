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

    /// <summary>Known package types (e.g. a <c>PackageTypeRegistry</c>); <c>null</c> for the five rdb types.
    /// <value>The default is <c>null</c>.</value></summary>
    public IPackageTypeCatalog? Registry { get; init; }
}
