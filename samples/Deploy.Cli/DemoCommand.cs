using System.CommandLine;
using Deploy.Core.Hosts;

namespace Deploy.Cli;

/// <summary>
/// `deploy demo`: the embedded default. Deploys a small file tree to /opt/demo-app on a LocalHost rooted in a temp
/// directory (no servers, no root), runs its service, and shows what happened.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the sandbox directory afterwards and print its path" };
        var command = new Command("demo", "Deploy a small app to a sandboxed local host and run its service") { keep };
        command.SetAction((parse, ct) => CliErrors.RunAsync(() => RunAsync(parse.GetValue(keep), ct)));
        return command;
    }

    private static async Task<int> RunAsync(bool keep, CancellationToken ct)
    {
        var sandbox = Path.Combine(Path.GetTempPath(), "deploy-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var source = Path.Combine(sandbox, "_source");
        try
        {
            WriteDemoApp(source);
            await using var host = LocalHost.Rooted(Path.Combine(sandbox, "target"));
            Console.WriteLine($"Target: {host.Name} (sandbox {host.RootDirectory})");

            var os = await host.GetOsReleaseAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"Target OS: {os.PrettyName} (ID={os.Id})");

            var uploads = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                .Select(f => new FileUpload(f, "/opt/demo-app/" + Path.GetRelativePath(source, f).Replace('\\', '/')))
                .ToList();
            var summary = await host.UploadAsync(uploads, cancellationToken: ct).ConfigureAwait(false);
            Console.WriteLine($"Uploaded {summary.Files} files ({summary.Bytes} bytes) to /opt/demo-app in {summary.Duration.TotalMilliseconds:0} ms");

            var result = await host.RunAsync(
                CommandSpec.Of("sh", "bin/service.sh", "世界") with
                {
                    WorkingDirectory = "/opt/demo-app",
                    OnOutput = line => Console.WriteLine($"  service| {line.Text}"),
                },
                ct).ThrowOnFailure().ConfigureAwait(false);
            Console.WriteLine($"Service exited {result.ExitCode} in {result.Duration.TotalMilliseconds:0} ms");

            var tree = await host.ListTreeAsync("/opt/demo-app", ct).ConfigureAwait(false);
            Console.WriteLine("Deployed tree:");
            foreach (var entry in tree.OrderBy(e => e.Path, StringComparer.Ordinal))
            {
                Console.WriteLine($"  {entry.Kind,-9} {entry.Size,8} {entry.Path}");
            }

            Console.WriteLine("Demo finished: the app is deployed and its service ran.");
            return 0;
        }
        finally
        {
            if (keep)
            {
                Console.WriteLine($"Sandbox kept at {sandbox}");
            }
            else
            {
                Directory.Delete(sandbox, recursive: true);
            }
        }
    }

    private static void WriteDemoApp(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        Directory.CreateDirectory(Path.Combine(dir, "conf"));
        File.WriteAllText(Path.Combine(dir, "conf", "app.conf"), "greeting=hello\nlog_level=info\n");
        File.WriteAllText(Path.Combine(dir, "bin", "service.sh"), """
            #!/bin/sh
            set -eu
            . ./conf/app.conf
            echo "$greeting, $1 (log level $log_level)"
            echo "started at $(date -u +%Y-%m-%dT%H:%M:%SZ)" > service.log
            """.Replace("\r", ""));
    }
}
