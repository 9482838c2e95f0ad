using Deploy.Core.Hosts;
using Deploy.Core.Sync;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts;

public class HostScriptTests : IDisposable
{
    private readonly TempDirectory _sandbox = new("hostscript");

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Header_declares_path_parameters_and_is_not_sent()
    {
        var script = HostScript.Parse("t.sh", "#!/bin/sh\n# t.sh: test\n# $1 path: the file\n# $2 text: a value\n# $3 path: another\n\necho \"$2\" > \"$1\"\n");

        script.PathParameters.Should().Equal(1, 3);
        script.AllParametersArePaths.Should().BeFalse();
        script.Text.Should().Be("echo \"$2\" > \"$1\"");
    }

    [Fact]
    public void A_header_line_naming_no_parameter_is_refused()
    {
        var act = () => HostScript.Parse("bad.sh", "# $x path: nothing\ntrue\n");
        act.Should().Throw<FormatException>().WithMessage("*bad.sh*");
    }

    [Fact]
    public void Command_declares_the_argv_indices_of_path_parameters()
    {
        var script = HostScript.Parse("t.sh", "# $2 path: p\ntrue");
        var command = script.ToCommand(["text", "/opt/x"]);

        command.Argv.Should().Equal("/bin/sh", "-c", "true", "sh", "text", "/opt/x");
        command.PathArguments.Should().Equal(5);
    }

    [Fact]
    public async Task Rooted_local_host_maps_declared_paths_and_leaves_other_arguments_alone()
    {
        await using var host = LocalHost.Rooted(_sandbox.Path);
        var script = HostScript.Parse("t.sh", "# $1 path: target\n# $2 text: content\nmkdir -p \"${1%/*}\" && printf '%s' \"$2\" > \"$1\"");

        var result = await host.RunScriptAsync(script, ["/opt/app/a.txt", "/opt/app/not-a-path"]);

        result.ThrowOnFailure();
        File.ReadAllText(_sandbox.Combine("opt", "app", "a.txt")).Should().Be("/opt/app/not-a-path");
        (await host.ReadAllTextAsync("/opt/app/a.txt")).Should().Be("/opt/app/not-a-path");
    }

    [Fact]
    public async Task Rooted_local_host_maps_every_parameter_of_an_all_paths_script()
    {
        await using var host = LocalHost.Rooted(_sandbox.Path);
        await host.WriteAllTextAsync("/srv/a", "a");
        await host.WriteAllTextAsync("/srv/b c", "b");

        await new HostFileTransport(host).RemoveAsync(["/srv/a", "/srv/b c", "/srv/absent"]);

        (await host.ListTreeAsync("/srv")).Should().BeEmpty();
    }

    [Fact]
    public void Every_embedded_script_of_the_sdk_parses()
    {
        foreach (var assembly in new[] { typeof(IHost).Assembly })
        {
            foreach (var name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sh", StringComparison.Ordinal)))
            {
                HostScript.FromResource(assembly, name).Text.Should().NotBeEmpty(name);
            }
        }
    }
}
