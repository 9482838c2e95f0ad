using Deploy.Core.Lifecycle.Model;
using Deploy.Packaging.Reading;

namespace Deploy.Packaging.Products;

/// <summary>A product opened by <see cref="ProductPackage.OpenAsync"/>; disposing it deletes the extracted copy.</summary>
public sealed class OpenedProduct : IDisposable
{
    private readonly string? _temp;

    internal OpenedProduct(ProductDefinition product, VerifiedPackage? package, string? temp)
    {
        Product = product;
        Package = package;
        _temp = temp;
    }

    /// <summary>The loaded product.</summary>
    public ProductDefinition Product { get; }

    /// <summary>The verified package it came from; <c>null</c> when a product folder was opened.</summary>
    public VerifiedPackage? Package { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_temp is not null && Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true);
        }
    }
}
