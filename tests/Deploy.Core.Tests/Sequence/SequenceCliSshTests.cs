using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>`deploy plan` and `deploy apply` against a real SSH host (the test sshd on 127.0.0.1), from the CLI.</summary>
[Trait("Category", "Integration")]
public sealed class SequenceCliSshTests(SshServerFixture ssh) : IClassFixture<SshServerFixture>
{
    [Fact]
    public async Task Cli_applies_to_an_ssh_host_and_plan_verify_finds_a_file_edited_there_by_hand()
    {
        using var dir = new TempDirectory("deploy-cli-ssh");
        var target = dir.Combine("target");
        dir.WriteFile("src/app.conf", "mode=prod\n");
        dir.WriteFile("src/tool.sh", "echo tool\n");
        var yaml = dir.WriteFile("target.yaml", $$"""
            name: remote
            stateDirectory: {{target}}/state
            components:
              - name: App
                files: [ { source: src/app.conf, target: {{target}}/opt/app/app.conf } ]
                services:
                  - { type: Startup, command: 'cp app.conf ../app.started', workingDirectory: {{target}}/opt/app }
              - name: Tool
                files: [ { source: src/tool.sh, target: {{target}}/opt/tool/tool.sh } ]
            """);
        var server = ssh.Server;
        string[] hostArgs = ["--host", $"{server.User}@{server.Address}:{server.Port}", "--identity-file", server.IdentityFile, "--known-hosts", server.KnownHostsFile];

        var apply = await DeployCli.RunAsync(["apply", yaml, .. hostArgs]);

        apply.ExitCode.Should().Be(0, apply.Output + apply.Error);
        apply.Output.Should().Contain($"Applied remote on ");
        File.ReadAllText(Path.Combine(target, "opt/app.started")).Should().Be("mode=prod\n");

        File.WriteAllText(Path.Combine(target, "opt/app/app.conf"), "mode=debug # by hand\n");
        var plain = await DeployCli.RunAsync(["plan", yaml, .. hostArgs]);
        var verify = await DeployCli.RunAsync(["plan", yaml, "--verify", .. hostArgs]);

        plain.Output.Should().Contain("up to date", plain.Error);
        verify.ExitCode.Should().Be(0, verify.Error);
        verify.Output.Should().Contain($"{target}/opt/app/app.conf: changed on the target since the last deploy (size 10 -> 21");
        verify.Output.Should().Contain("App: Restart");
        verify.Output.Should().NotContain("Tool: Restart");

        var repair = await DeployCli.RunAsync(["apply", yaml, "--verify", "--components", "App", .. hostArgs]);

        repair.ExitCode.Should().Be(0, repair.Output + repair.Error);
        File.ReadAllText(Path.Combine(target, "opt/app/app.conf")).Should().Be("mode=prod\n");
    }

    [Fact]
    public async Task Cli_reports_an_unknown_component_with_its_error_code_and_a_nonzero_exit()
    {
        using var dir = new TempDirectory("deploy-cli-ssh");
        dir.WriteFile("src/a.txt", "a");
        var yaml = dir.WriteFile("target.yaml", $$"""
            name: remote
            stateDirectory: {{dir.Combine("target/state")}}
            components:
              - { name: A, files: [ { source: src/a.txt, target: {{dir.Combine("target/a.txt")}} } ] }
            """);
        var server = ssh.Server;

        var run = await DeployCli.RunAsync("plan", yaml, "--components", "B", "--host", $"{server.User}@{server.Address}:{server.Port}", "--identity-file", server.IdentityFile, "--known-hosts", server.KnownHostsFile);

        run.ExitCode.Should().Be(2);
        run.Error.Should().Contain("error [ComponentUnknown]").And.Contain("no component B");
    }
}
