namespace Deploy.Sdk.Tests.Samples;

/// <summary>Every console sample under samples/ runs to its end and does what it says (the CLI and the
/// PrivateDeploy product have their own tests in Deploy.Core.Tests).</summary>
[Trait("Category", "Integration")]
public sealed class SampleTests
{
    [Fact]
    public async Task ExosLikeDeploy_runs_both_worked_examples_then_a_no_op_and_cleans_up()
    {
        var run = await SampleRun.RunAsync("ExosLikeDeploy");

        run.ExitCode.Should().Be(0, run.Output + run.Error);
        var output = run.Output;
        output.Should().Contain("== 2. types.py changed (ChangeEvent=Restart)");
        Section(output, "== 2.").Should().Contain("Types runtime#0").And.NotContain("stop DataConnection runtime#0", "a ChangeEvent=Restart file restarts only its component");
        Section(output, "== 3.").Should().Contain("stop DataConnection runtime#0").And.Contain("stop Types runtime#0").And.Contain("wait 2000 ms (StartupTimeout)", "RestartEvent=Target restarts the whole target");
        Section(output, "== 4.").Should().Contain("up to date").And.Contain("applied: 0 files");
        output.Should().Contain("/etc/exos-data.conf on the target: loglevel=debug");
        Section(output, "== 5.").Should().Contain("Remove").And.Contain("delete 5 files");
    }

    [Fact]
    public async Task PackageBuild_builds_verifies_and_installs_all_five_package_types()
    {
        var run = await SampleRun.RunAsync("PackageBuild");

        run.ExitCode.Should().Be(0, run.Output + run.Error);
        (run.Output + run.Error).Should().Contain("install: error: background processes of the tool are running", "./install refuses while the agent runs")
            .And.Contain("==> stopping", "./install -f stops it")
            .And.Contain("sample finished: five packages built, verified and installed");
    }

    [Fact]
    public async Task ConsoleImageUpdate_moves_the_compose_service_to_the_new_image_and_verifies_it()
    {
        var run = await SampleRun.RunAsync("ConsoleImageUpdate");

        run.ExitCode.Should().Be(0, run.Output + run.Error);
        run.Output.Should().MatchRegex(@"Verified: console-web \(\S+\) runs encoo/console-web-v4-pvt:4\.1\.76383\.")
            .And.Contain("CONSOLE_WEB_VERSION=4.1.76383");
    }

    private static string Section(string output, string heading)
    {
        var start = output.IndexOf(heading, StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, $"the output has a section '{heading}'");
        var end = output.IndexOf("\n== ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..end];
    }
}
