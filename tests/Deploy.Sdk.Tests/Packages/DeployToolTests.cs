namespace Deploy.Sdk.Tests.Packages;

/// <summary>
/// The `deploy` .NET tool as a user gets it: installed with `dotnet tool install --add-source` from the packed
/// feed (into a tool folder of the test's own), then run by its command name.
/// </summary>
[Collection(PackedSdkCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DeployToolTests(PackedSdk sdk) : IAsyncLifetime
{
    private string _tools = "";
    private string _work = "";

    public async Task InitializeAsync()
    {
        _work = sdk.Scratch("tool-" + Guid.NewGuid().ToString("N"));
        _tools = Path.Combine(_work, "tools");
        var install = await PackedSdk.RunAsync(_work, "dotnet", "tool", "install", "deploy", "--tool-path", _tools, "--add-source", sdk.Feed, "--version", sdk.Version);
        install.ExitCode.Should().Be(0, install.Output + install.Error);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<(int ExitCode, string Output, string Error)> Deploy(params string[] args) => PackedSdk.RunAsync(_work, Path.Combine(_tools, "deploy"), args);

    [Fact]
    public async Task The_installed_command_reports_the_packed_version_and_lists_every_verb()
    {
        var version = await Deploy("--version");
        version.ExitCode.Should().Be(0, version.Error);
        version.Output.Trim().Should().StartWith(sdk.Version);

        var help = await Deploy("--help");
        help.ExitCode.Should().Be(0, help.Error);
        help.Output.Should().Contain("package").And.Contain("install").And.Contain("upgrade").And.Contain("apply").And.Contain("agent").And.Contain("docker");
    }

    [Fact]
    public async Task Exit_codes_tell_bad_input_from_a_refusal()
    {
        File.WriteAllText(Path.Combine(_work, "version.json"), """{"package_name": "tool_demo_1.0", "package_type": "install_rdb_agent", "os_release": "centos7"}""");
        Directory.CreateDirectory(Path.Combine(_work, "package"));
        File.WriteAllText(Path.Combine(_work, "package", "app.txt"), "hello\n");
        (await Deploy("package", "keygen", "publisher")).ExitCode.Should().Be(0);
        (await Deploy("package", "keygen", "stranger")).ExitCode.Should().Be(0);
        var build = await Deploy("package", "build", ".", "--sign", "publisher.key", "--out-dir", "dist");
        build.ExitCode.Should().Be(0, build.Error);

        var trusted = await Deploy("package", "verify", "dist/tool_demo_1.0.tar.gz", "--trust", "publisher.pub");
        trusted.ExitCode.Should().Be(0, trusted.Error);

        var missing = await Deploy("package", "verify", "dist/nothing.tar.gz");
        missing.ExitCode.Should().Be(2, "a package that does not exist is bad input");
        missing.Error.Should().Contain("error [LocalPathNotFound]");

        var untrusted = await Deploy("package", "verify", "dist/tool_demo_1.0.tar.gz", "--trust", "stranger.pub");
        untrusted.ExitCode.Should().Be(3, "a signature by a key nobody trusts is refused");
        untrusted.Error.Should().Contain("error [SignatureInvalid]");
    }
}
