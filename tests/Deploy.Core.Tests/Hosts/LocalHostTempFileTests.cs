using System.Diagnostics;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts;

/// <summary>LocalHost's temp files carry their owner's pid; a write into a directory removes those of dead owners.</summary>
public sealed class LocalHostTempFileTests : IDisposable
{
    private readonly TempDirectory _dir = new("local-temps");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Upload_removes_temps_of_a_dead_owner_and_keeps_those_of_a_live_one()
    {
        var host = LocalHost.Rooted(_dir.Combine("root"));
        var deadPid = await PidOfExitedProcessAsync();
        using var live = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            var real = host.MapPath("/opt/app");
            Directory.CreateDirectory(real);
            var dead = Path.Combine(real, $".a.txt.deploy-tmp-{deadPid}-0123abcd");
            var alive = Path.Combine(real, $".b.txt.deploy-tmp-{live.Id}-0123abcd");
            var foreign = Path.Combine(real, ".c.txt.deploy-tmp-notapid");
            File.WriteAllText(dead, "half");
            File.WriteAllText(alive, "being written");
            File.WriteAllText(foreign, "not ours");

            await host.UploadAsync([new FileUpload(_dir.WriteFile("src/x.txt", "x"), "/opt/app/x.txt")]);

            File.Exists(dead).Should().BeFalse("its owner is dead");
            File.Exists(alive).Should().BeTrue("its owner is still writing it");
            File.Exists(foreign).Should().BeTrue("the name is not a LocalHost temp");
            File.ReadAllText(Path.Combine(real, "x.txt")).Should().Be("x");
        }
        finally
        {
            live.Kill();
            await live.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Write_removes_temps_of_a_dead_owner_in_its_directory()
    {
        var host = LocalHost.Rooted(_dir.Combine("root"));
        var real = host.MapPath("/etc/app");
        Directory.CreateDirectory(real);
        var dead = Path.Combine(real, $".app.conf.deploy-tmp-{await PidOfExitedProcessAsync()}-89abcdef");
        File.WriteAllText(dead, "half");

        await host.WriteAllTextAsync("/etc/app/app.conf", "k=v");

        Directory.GetFiles(real).Select(Path.GetFileName).Should().Equal("app.conf");
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Upload_after_a_transfer_SIGKILLed_midway_leaves_no_temp_file_behind()
    {
        // Sources large enough that a copy is in flight most of the time; a kill that happens to fall between two
        // files is retried on a fresh target (the assertion below needs a temp to have been left).
        var files = new StringBuilder();
        var chunk = new string('d', 256 * 1024);
        for (var i = 0; i < 300; i++)
        {
            _dir.WriteFile($"src/f{i}.dat", chunk + i);
            files.Append($"      - {{ source: src/f{i}.dat, target: /opt/big/f{i}.dat }}\n");
        }

        var leftovers = Array.Empty<string>();
        LocalHost? host = null;
        for (var attempt = 0; attempt < 8 && leftovers.Length == 0; attempt++)
        {
            var root = _dir.Combine($"target{attempt}");
            var yaml = _dir.WriteFile($"target{attempt}.yaml", $"name: bulk\nhost: {{ local: {{ root: target{attempt} }} }}\ncomponents:\n  - name: Big\n    files:\n{files}");
            host = LocalHost.Rooted(root);
            var target = host.MapPath("/opt/big");
            using var child = Process.Start(new ProcessStartInfo("dotnet", [CliDll(), "apply", yaml, "--quiet"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var deadline = Stopwatch.StartNew();
            while (Temps(target).Length == 0 && !child.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(1);
            }

            child.Kill(entireProcessTree: true); // SIGKILL mid-transfer: no catch, no finally runs in the child
            await child.WaitForExitAsync();
            leftovers = Temps(target);
        }

        leftovers.Should().NotBeEmpty("a transfer killed mid-copy leaves its temp file (the precondition of this test)");

        await host!.UploadAsync([new FileUpload(_dir.WriteFile("src/next.txt", "next"), "/opt/big/next.txt")]);

        Temps(host.MapPath("/opt/big")).Should().BeEmpty("the next upload into the directory removes dead transfers' temps");
        File.ReadAllText(host.MapPath("/opt/big/next.txt")).Should().Be("next");
    }

    private static string[] Temps(string directory)
        => Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.deploy-tmp-*", new EnumerationOptions { AttributesToSkip = 0 })
            : [];

    private static async Task<int> PidOfExitedProcessAsync()
    {
        using var p = Process.Start(new ProcessStartInfo("true"))!;
        await p.WaitForExitAsync();
        return p.Id;
    }

    private static string CliDll()
    {
        // tests/Deploy.Core.Tests/bin/{Configuration}/net10.0/ -> samples/Deploy.Cli/bin/{Configuration}/net10.0/deploy.dll
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = bin.Parent!.Name;
        var repo = bin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(repo, "samples", "Deploy.Cli", "bin", configuration, bin.Name, "deploy.dll");
        File.Exists(dll).Should().BeTrue($"the CLI is built at {dll}");
        return dll;
    }
}
