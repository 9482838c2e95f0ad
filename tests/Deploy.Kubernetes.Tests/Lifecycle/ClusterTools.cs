using System.Diagnostics;
using Deploy.Kubernetes.Tests.Fake;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>The sample <c>deploy</c> CLI and the real <c>kubectl</c> run as child processes against a fake cluster.</summary>
internal static class ClusterTools
{
    /// <summary>The sample CLI built next to this test assembly: <c>dotnet deploy.dll args</c>.</summary>
    public static string DeployDll
    {
        get
        {
            // tests/Deploy.Kubernetes.Tests/bin/{Configuration}/{tfm}/ -> samples/Deploy.Cli/bin/{Configuration}/{tfm}/deploy.dll
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var repo = bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(repo, "samples", "Deploy.Cli", "bin", bin.Parent.Name, bin.Name, "deploy.dll");
        }
    }

    /// <summary>Runs the sample CLI with <paramref name="args"/> (HOME in the cluster's temp dir).</summary>
    public static Task<(int ExitCode, string Output, string Stdout)> DeployAsync(FakeCluster cluster, params string[] args) =>
        RunAsync("dotnet", [DeployDll, .. args], cluster, null);

    /// <summary>Runs kubectl against the fake; <paramref name="editor"/> becomes KUBE_EDITOR (for <c>kubectl edit</c>).</summary>
    public static Task<(int ExitCode, string Output, string Stdout)> KubectlAsync(FakeCluster cluster, string? editor, params string[] args) =>
        RunAsync("kubectl", ["--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.Temp.Combine("kube-cache"), .. args], cluster, editor);

    private static async Task<(int ExitCode, string Output, string Stdout)> RunAsync(string file, string[] args, FakeCluster cluster, string? editor)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        args.ToList().ForEach(start.ArgumentList.Add);
        start.Environment["HOME"] = cluster.Temp.Path;
        if (editor is not null)
        {
            start.Environment["KUBE_EDITOR"] = editor;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr, await stdout);
    }
}
