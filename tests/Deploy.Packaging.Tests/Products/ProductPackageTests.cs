using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Packaging.Building;
using Deploy.Packaging.Products;
using Deploy.Packaging.Reading;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Products;

public class ProductPackageTests
{
    private static string Sample()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "samples", "PrivateDeploy")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "samples", "PrivateDeploy", "product");
    }

    [Fact]
    public async Task The_sample_product_builds_into_a_verified_install_product_package_that_opens_to_the_same_product()
    {
        using var dir = new TempDirectory();
        var built = await ProductPackage.BuildAsync(Sample(), dir.Combine("out"));
        var folder = await ProductLoader.LoadAsync(Sample());

        Path.GetFileName(built.OutputPath).Should().Be("private-deploy-sample-1.0.0.tar.gz").And.Be(ProductPackage.FileName(folder));
        built.Version.PackageType.Should().Be(ProductPackage.Type);
        built.Version.OsRelease.Ids.Should().Equal("debian", "centos", "bclinux");
        built.Version.ExtraFields.Should().ContainSingle(f => f.Key == ProductPackage.VersionField && f.Value == "\"1.0.0\"");

        string extracted;
        using (var opened = await ProductPackage.OpenAsync(built.OutputPath!))
        {
            opened.Package.Should().NotBeNull();
            opened.Package!.Version.PackageName.Should().Be("private-deploy-sample-1.0.0");
            opened.Product.Name.Should().Be(folder.Name);
            opened.Product.Version.Should().Be(folder.Version);
            opened.Product.Services.Select(s => (s.Name, s.Digest)).Should().Equal(folder.Services.Select(s => (s.Name, s.Digest)), "every service's content digest survives packaging");
            extracted = opened.Product.Directory;
            Directory.Exists(extracted).Should().BeTrue();
        }

        Directory.Exists(extracted).Should().BeFalse("disposing the opened product deletes its extracted copy");
    }

    [Fact]
    public async Task Building_the_same_product_folder_twice_gives_byte_identical_packages()
    {
        using var dir = new TempDirectory();
        var a = await ProductPackage.BuildAsync(Sample(), dir.Combine("a"));
        var b = await ProductPackage.BuildAsync(Sample(), dir.Combine("b"));
        b.Sha256.Should().Be(a.Sha256);
    }

    [Fact]
    public async Task A_product_folder_opens_as_it_is_without_a_package()
    {
        using var opened = await ProductPackage.OpenAsync(Sample());
        opened.Package.Should().BeNull();
        opened.Product.Services.Should().HaveCount(7);
    }

    [Fact]
    public async Task A_package_of_another_type_is_refused_as_a_product_naming_its_type()
    {
        using var dir = new TempDirectory();
        var agent = await TestPackages.BuildAsync(TestPackages.Agent("agent_1", TestPackages.AgentPayload(dir.Path)), dir.Combine("out"));
        var open = () => ProductPackage.OpenAsync(agent);
        (await open.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e =>
            e.Code == DeployErrorCode.UnknownPackageType && e.Path == agent && e.Message.Contains("install_rdb_agent"));
    }

    [Fact]
    public async Task A_tampered_product_package_is_refused_and_leaves_no_extracted_copy()
    {
        // The product carries a marker of its own: other test processes open products in the same temp folder at
        // the same time, so "no new deploy-product-* folder" would be racy; "no folder holding this marker" is not.
        using var dir = new TempDirectory();
        var marker = "tampered-" + Guid.NewGuid().ToString("N");
        var product = dir.Combine("product");
        foreach (var file in Directory.EnumerateFiles(Sample(), "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(product, Path.GetRelativePath(Sample(), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        await File.AppendAllTextAsync(Path.Combine(product, "product.yaml"), $"# {marker}\n");
        var built = await ProductPackage.BuildAsync(product, dir.Combine("out"));
        var bytes = await File.ReadAllBytesAsync(built.OutputPath!);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(built.OutputPath!, bytes);

        var open = () => ProductPackage.OpenAsync(built.OutputPath!);
        (await open.Should().ThrowAsync<DeployException>()).Which.Path.Should().NotBeNull();
        LeftOver(marker).Should().BeEmpty("a refused package leaves nothing extracted behind");
    }

    private static List<string> LeftOver(string marker)
    {
        var found = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath()).Where(d => Path.GetFileName(d).Contains("deploy-product-", StringComparison.Ordinal)))
        {
            try
            {
                found.AddRange(Directory.EnumerateFiles(folder, "product.yaml", SearchOption.AllDirectories).Where(f => File.ReadAllText(f).Contains(marker, StringComparison.Ordinal)));
            }
            catch (IOException)
            {
                // another process's folder, deleted while we looked
            }
        }

        return found;
    }

    [Fact]
    public async Task A_product_without_osRelease_is_refused_at_build_time_naming_the_field()
    {
        using var dir = new TempDirectory();
        var product = dir.Combine("p");
        Directory.CreateDirectory(Path.Combine(product, "app"));
        await File.WriteAllTextAsync(Path.Combine(product, "product.yaml"), "name: bare\nversion: 1.0.0\n");
        await File.WriteAllTextAsync(Path.Combine(product, "app", "service.yaml"), "kind: app\nversion: 1.0.0\n");

        var build = () => ProductPackage.BuildAsync(product, dir.Combine("out"));
        (await build.Should().ThrowAsync<DeployException>()).Which.Should().Match<DeployException>(e =>
            e.Code == DeployErrorCode.InvalidConfiguration && e.Message.Contains("'osRelease' is empty"));
        Directory.Exists(dir.Combine("out")).Should().BeFalse();
    }

    [Fact]
    public async Task The_single_host_package_installer_refuses_a_product_package_and_names_the_lifecycle_command()
    {
        var registry = ProductPackage.Register();
        registry.Contains(ProductPackage.Type).Should().BeTrue();
        var strategy = registry.Find(ProductPackage.Type)!.Strategy;
        strategy.Launcher.Should().BeNull("the ./install launcher hands over to the deploy tool");
        await using var host = Deploy.Core.Hosts.LocalHost.Rooted(Path.GetTempPath());
        var steps = () => strategy.CreateSteps(new Deploy.Packaging.Installing.InstallContext(host, "/opt/x", "r1", null, new Deploy.Packaging.Installing.PackageInstallOptions()));
        steps.Should().Throw<DeployException>().Which.Message.Should().Contain("deploy install -i inventory.yaml -f PKG");
    }
}
