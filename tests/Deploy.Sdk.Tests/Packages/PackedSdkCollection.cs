namespace Deploy.Sdk.Tests.Packages;

/// <summary>The tests that share one pack of the SDK (it takes a minute or two: done once).</summary>
[CollectionDefinition(Name)]
public sealed class PackedSdkCollection : ICollectionFixture<PackedSdk>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "packed SDK";
}
