using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts;

/// <summary>What only a <see cref="LocalHost"/> does (the sandbox root); the shared behaviour is in <see cref="Contract.LocalHostContractTests"/>.</summary>
public class LocalHostTests : IDisposable
{
    private readonly TempDirectory _sandbox = new("localhost");
    private readonly LocalHost _host;

    public LocalHostTests() => _host = LocalHost.Rooted(_sandbox.Path);

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Rooted_host_maps_absolute_paths_into_the_sandbox_and_cannot_escape_it()
    {
        await _host.WriteAllTextAsync("/opt/app/config.ini", "x=1");

        File.ReadAllText(_sandbox.Combine("opt", "app", "config.ini")).Should().Be("x=1");
        _host.MapPath("/opt/../../../etc/passwd").Should().StartWith(_sandbox.Path);
        var act = () => _host.MapPath("relative/path");
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task Commands_run_in_the_mapped_working_directory_and_see_DEPLOY_ROOT()
    {
        await _host.CreateDirectoryAsync("/srv/work");

        var result = await _host.RunScriptAsync("pwd; printf '%s\\n' \"$DEPLOY_ROOT\" \"$1\"", ["arg with $(space)"], CommandSpec.Of("sh").InDirectory("/srv/work"));

        result.StandardOutput.Should().Be($"{_sandbox.Combine("srv", "work")}\n{_sandbox.Path}\narg with $(space)\n");
    }

    [Fact]
    public async Task A_missing_program_is_a_tool_missing_error()
    {
        var act = () => _host.RunAsync(CommandSpec.Of("definitely-not-a-program-xyz"));
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.ToolMissing);
    }

    [Fact]
    public async Task Os_release_comes_from_the_sandbox_when_it_has_one()
    {
        await _host.WriteAllTextAsync("/etc/os-release", "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n");
        var os = await _host.GetOsReleaseAsync();
        os.Id.Should().Be("centos");
        os.VersionId.Should().Be("7");
    }
}
