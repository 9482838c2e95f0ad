using System.IO.Compression;
using System.Xml.Linq;

namespace Deploy.Sdk.Tests.Packages;

/// <summary>What `dotnet pack` makes of this checkout: each package as a NuGet user receives it.</summary>
[Collection(PackedSdkCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NuGetPackageTests(PackedSdk sdk)
{
    public static TheoryData<string> Libraries => new() { "Deploy.Core", "Deploy.Packaging", "Deploy.Docker", "Deploy.Kubernetes" };

    [Theory]
    [MemberData(nameof(Libraries))]
    public void A_library_package_holds_both_frameworks_with_xml_docs_and_its_own_readme(string id)
    {
        using var package = ZipFile.OpenRead(Path.Combine(sdk.Feed, $"{id}.{sdk.Version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var tfm in new[] { "net8.0", "net10.0" })
        {
            entries.Should().Contain([$"lib/{tfm}/{id}.dll", $"lib/{tfm}/{id}.xml"], "the package targets {0} with its XML docs", tfm);
        }

        entries.Should().Contain($"buildTransitive/{id}.props", "consumers that publish trimmed, AOT or as file-based apps get the JSON serializer the SDK needs");

        var readme = Read(package, "README.md");
        readme.Split('\n')[0].Trim().Should().Be($"# {id}", "each package carries a README about itself, not the repository's");

        var nuspec = XDocument.Parse(Read(package, $"{id}.nuspec"));
        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        metadata.Element(ns + "version")!.Value.Should().Be(sdk.Version);
        metadata.Element(ns + "license")!.Value.Should().Be("MIT");
        metadata.Element(ns + "readme")!.Value.Should().Be("README.md");
        metadata.Element(ns + "description")!.Value.Should().NotBeNullOrWhiteSpace();
        metadata.Element(ns + "repository")!.Attribute("commit")!.Value.Should().MatchRegex("^[0-9a-f]{40}$", "the package names the commit it was built from");
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void A_symbol_package_carries_the_portable_pdb_of_each_framework(string id)
    {
        using var symbols = ZipFile.OpenRead(Path.Combine(sdk.Feed, $"{id}.{sdk.Version}.snupkg"));
        symbols.Entries.Select(e => e.FullName).Should().Contain([$"lib/net8.0/{id}.pdb", $"lib/net10.0/{id}.pdb"]);
    }

    [Fact]
    public void The_deploy_tool_package_declares_the_deploy_command()
    {
        using var package = ZipFile.OpenRead(Path.Combine(sdk.Feed, $"deploy.{sdk.Version}.nupkg"));
        var settings = package.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var reader = new StreamReader(settings.Open());
        var command = XDocument.Parse(reader.ReadToEnd()).Descendants("Command").Single();
        command.Attribute("Name")!.Value.Should().Be("deploy");
        command.Attribute("EntryPoint")!.Value.Should().Be("deploy.dll");
        Read(package, "README.md").Split('\n')[0].Trim().Should().Be("# deploy");
    }

    private static string Read(ZipArchive package, string name)
    {
        using var reader = new StreamReader(package.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}
