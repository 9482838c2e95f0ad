using Deploy.Sdk.Tests.Packages;

namespace Deploy.Sdk.Tests.Scripts;

/// <summary>
/// The file-based C# scripts under samples/scripts, each run with `dotnet run x.cs` against the packages packed from
/// this checkout: the scripts folder is copied as it is (its Directory.Build.props and Directory.Packages.props
/// included), with the <c>#:package</c> versions set to the version packed for this run and its NuGet.config
/// pointing at the packed feed.
/// </summary>
[Collection(PackedSdkCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ScriptTests(PackedSdk sdk)
{
    [Fact]
    public async Task Package_script_builds_verifies_and_installs_an_offline_package()
    {
        var run = await RunScriptAsync("package.cs");

        run.Output.Should().Contain("built rdb_agent_5.7.1.0.tar.gz")
            .And.Contain("verified rdb_agent_5.7.1.0 (install_rdb_agent)")
            .And.Contain("current/tools/VERSION: 5.7.1.0");
    }

    [Fact]
    public async Task Sequence_script_restarts_only_the_changed_component_then_does_nothing()
    {
        var run = await RunScriptAsync("sequence.cs");

        run.Output.Should().Contain("first deploy: 2 files");
        Line(run.Output, "types.py changed:").Should().Contain("1 files").And.Contain("Types runtime#0").And.NotContain("Api");
        Line(run.Output, "nothing changed:").Should().Be("nothing changed: 0 files; no service actions");
        run.Output.Should().Contain("removed:");
    }

    [Fact]
    public async Task Lifecycle_script_keeps_an_operators_edit_through_an_upgrade_and_rolls_back()
    {
        var run = await RunScriptAsync("lifecycle.cs");

        run.Output.Should().Contain("release 1: install 1.0.0 Succeeded")
            .And.Contain("release 2: upgrade to 1.1.0; app.conf keeps the edit and gains the new line: True")
            .And.Contain("release 3: rollback to 1.0.0")
            .And.Contain("deleted: app.conf gone: True");
    }

    [Fact]
    public async Task Agent_script_updates_from_a_signed_feed_and_rolls_back_an_unhealthy_version_without_retrying_it()
    {
        var run = await RunScriptAsync("agent.cs");

        var outcomes = run.Output.Split('\n').Where(l => l.Contains(": ", StringComparison.Ordinal)).Select(l => l.Split(':')[0]).ToArray();
        outcomes.Should().ContainInConsecutiveOrder("Updated", "RolledBack", "UpToDate");
        run.Output.Should().Contain("it is not retried until a newer version appears").And.Contain("running: 1.1.0");
    }

    [Fact]
    public async Task Compose_script_moves_a_compose_service_to_the_archived_image_through_its_shared_tag_variable_and_verifies_it()
    {
        var run = await RunScriptAsync("compose.cs");

        run.Output.Should().Contain("(variable WEB_TAG used by").And.Contain(".env is updated instead of the compose file")
            .And.MatchRegex(@"verified: web runs deploy-script/web\w+:1\.1").And.Contain(".env now: WEB_TAG=1.1");
    }

    private async Task<(int ExitCode, string Output, string Error)> RunScriptAsync(string script)
    {
        var dir = sdk.Scratch("scripts-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(PackedSdk.Repository, "samples", "scripts")))
        {
            var text = await File.ReadAllTextAsync(file);
            await File.WriteAllTextAsync(Path.Combine(dir, Path.GetFileName(file)), text.Replace("@0.1.0\n", $"@{sdk.Version}\n", StringComparison.Ordinal));
        }

        sdk.WriteNuGetConfig(dir);
        var run = await PackedSdk.RunAsync(dir, "dotnet", "run", script);
        run.ExitCode.Should().Be(0, run.Output + run.Error);
        return run;
    }

    private static string Line(string output, string start)
        => output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(start, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"No line starts with '{start}' in:\n{output}");
}
