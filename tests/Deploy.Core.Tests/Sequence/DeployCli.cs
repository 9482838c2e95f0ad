using System.Diagnostics;

namespace Deploy.Core.Tests.Sequence;

/// <summary>Runs the sample `deploy` CLI (built with the tests) as a child process.</summary>
internal static class DeployCli
{
    public static string Dll
    {
        get
        {
            // tests/Deploy.Core.Tests/bin/{Configuration}/{tfm}/ -> samples/Deploy.Cli/bin/{Configuration}/{tfm}/deploy.dll
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = bin.Parent!.Name;
            var repo = bin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            var dll = Path.Combine(repo, "samples", "Deploy.Cli", "bin", configuration, bin.Name, "deploy.dll");
            File.Exists(dll).Should().BeTrue($"the CLI is built at {dll}");
            return dll;
        }
    }

    /// <summary>Starts `deploy args...` with its output redirected, in its own process group (setsid) so a test can kill all of it.</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("setsid", ["dotnet", Dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        return Process.Start(info)!;
    }

    /// <summary>Runs `deploy args...` to completion.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var child = Start(args);
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        return (child.ExitCode, await output, await error);
    }
}
