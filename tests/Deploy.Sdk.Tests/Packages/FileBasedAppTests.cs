namespace Deploy.Sdk.Tests.Packages;

/// <summary>
/// Scripted C# as a user writes it: a .NET 10 file-based app (`dotnet run app.cs`) outside the repository that
/// takes the packed packages from the local feed with <c>#:package</c> directives, builds an offline package,
/// verifies it and places a file on a sandboxed local host.
/// </summary>
[Collection(PackedSdkCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FileBasedAppTests(PackedSdk sdk)
{
    [Fact]
    public async Task A_file_based_app_restores_the_packed_packages_and_runs_against_them()
    {
        var dir = sdk.Scratch("app-" + Guid.NewGuid().ToString("N"));
        sdk.WriteNuGetConfig(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "app.cs"), $$"""
            #:package Deploy.Core@{{sdk.Version}}
            #:package Deploy.Packaging@{{sdk.Version}}
            using Deploy.Core.Hosts;
            using Deploy.Packaging.Building;
            using Deploy.Packaging.Reading;

            var build = Path.Combine(Environment.CurrentDirectory, "build");
            Directory.CreateDirectory(Path.Combine(build, "package"));
            File.WriteAllText(Path.Combine(build, "version.json"), "{\"package_name\": \"app_demo_1.0\", \"package_type\": \"install_rdb_agent\", \"os_release\": \"centos7\"}");
            File.WriteAllText(Path.Combine(build, "package", "hello.txt"), "hello from a script\n");
            var built = await (await PackageBuilder.FromDirectoryAsync(build)).BuildToDirectoryAsync(Path.Combine(Environment.CurrentDirectory, "dist"));
            var verified = await new PackageReader().VerifyAsync(built.OutputPath!);
            await using var host = LocalHost.Rooted(Path.Combine(Environment.CurrentDirectory, "root"));
            await host.UploadAsync([new FileUpload(Path.Combine(build, "package", "hello.txt"), "/opt/demo/hello.txt")]);
            var cat = await host.RunAsync(CommandSpec.Of("sh", "-c", "cat \"$DEPLOY_ROOT/opt/demo/hello.txt\""));
            Console.WriteLine($"verified {verified.Version.PackageName}: {verified.Manifest.Payload.Count} payload files");
            Console.WriteLine($"host says: {cat.StandardOutput.Trim()}");
            """);

        var run = await PackedSdk.RunAsync(dir, "dotnet", "run", "app.cs");

        run.ExitCode.Should().Be(0, run.Output + run.Error);
        run.Output.Should().Contain("verified app_demo_1.0: 1 payload files").And.Contain("host says: hello from a script");
    }
}
