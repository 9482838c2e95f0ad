using System.Globalization;
using Deploy.Cli.Output;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Packaging.Products;

namespace Deploy.Cli;

/// <summary>
/// `deploy demo`: the product lifecycle on three local hosts whose files live in temp folders (no servers, no root). Each host is a
/// <see cref="LocalHost"/> rooted in its own folder, so every file the lifecycle writes (services, configs, the lock,
/// journal, secrets and release records under /var/lib/deploy-lifecycle) lands in the sandbox. The services' processes
/// are real and run on this machine as the current user; their commands use paths relative to their working
/// directory, which the sandbox maps (commands are not isolated: a command with an absolute path would reach the
/// real file system, which is why the demo product has none).
/// Steps: build the product package, precheck, install, apptest, a user edit on a host, upgrade of one service that
/// keeps the edit and leaves the other services' processes alone, history, rollback, delete.
/// </summary>
internal static class LifecycleDemo
{
    public static async Task<int> RunAsync(bool keep, CancellationToken ct)
    {
        var sandbox = Path.Combine(Path.GetTempPath(), "deploy-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var build = Path.Combine(sandbox, "_build");
        LifecycleSession? session = null;
        try
        {
            Console.WriteLine($"Sandbox: {sandbox} (hosts node-1..3 are folders there; processes run as {Environment.UserName} on this machine)");
            var os = await new LocalHost().GetOsReleaseAsync(ct).ConfigureAwait(false);
            var v1 = await DemoProduct.WriteAsync(Path.Combine(build, "product-1.0.0"), "1.0.0", os, upgraded: false, ct).ConfigureAwait(false);
            var v2 = await DemoProduct.WriteAsync(Path.Combine(build, "product-1.1.0"), "1.1.0", os, upgraded: true, ct).ConfigureAwait(false);
            var inventory = DemoProduct.WriteInventory(sandbox);

            Title("1. build the product package (install_product: product.yaml + one folder per service)");
            var pkg1 = await ProductPackage.BuildAsync(v1, build, cancellationToken: ct).ConfigureAwait(false);
            var pkg2 = await ProductPackage.BuildAsync(v2, build, cancellationToken: ct).ConfigureAwait(false);
            foreach (var p in new[] { pkg1, pkg2 })
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Path.GetFileName(p.OutputPath)}: {p.Bytes} bytes, sha256 {p.Sha256[..16]}..., {p.Manifest.Payload.Count} payload entries"));
            }

            session = await LifecycleSession.OpenAsync(inventory, pkg1.OutputPath!, null, null, null, ct).ConfigureAwait(false);
            var progress = Printer();

            Title("2. precheck (every host in parallel)");
            var check = await session.Engine.PrecheckAsync(session.Input, cancellationToken: ct).ConfigureAwait(false);
            Console.WriteLine($"  {check.Outcomes.Count} checks: {check.Failures.Count} failed, {check.Warnings.Count} warnings; scheduled: {string.Join(", ", session.Input.Schedule.Services.Select(s => $"{s.Service} on {string.Join('+', s.Hosts)}"))}");
            check.ThrowOnFailure();

            Title("3. install --parallel 2 --auto-test");
            var installed = await ProgressViews.LifecycleAsync("install --parallel 2 --auto-test", p => session.Engine.RunAsync(session.Input, new LifecycleRequest(LifecycleOperation.Install) { Parallel = 2, AutoTest = true }, p, ct), progress).ConfigureAwait(false);
            Console.WriteLine($"  release {installed.Release.Number}: {installed.Release.Outcome}; auto-test {(installed.Tests!.Passed ? "passed" : "FAILED")}");

            Title("4. apptest");
            var report = await session.Engine.AppTestAsync(session.Input, outputDirectory: build, cancellationToken: ct).ConfigureAwait(false);
            Console.Write(Indent(report.ToSummary()));

            Title("5. an operator tunes api on its host: workers=2 -> workers=8");
            var apiHost = session.Input.Schedule.HostsOf("api")[0];
            var apiConf = DemoProduct.HostPath(sandbox, apiHost, "/opt/demo-shop/api/app.conf");
            await File.WriteAllTextAsync(apiConf, (await File.ReadAllTextAsync(apiConf, ct).ConfigureAwait(false)).Replace("workers=2", "workers=8", StringComparison.Ordinal), ct).ConfigureAwait(false);
            var webPid = await DemoProduct.PidAsync(sandbox, session, "web", ct).ConfigureAwait(false);

            Title("6. upgrade to 1.1.0 (only api changed): plan, then apply");
            var old = session;
            session = await LifecycleSession.OpenAsync(inventory, pkg2.OutputPath!, null, null, null, ct).ConfigureAwait(false);
            await old.DisposeAsync().ConfigureAwait(false);
            var upgrade = new LifecycleRequest(LifecycleOperation.Upgrade) { AutoTest = true };
            Console.Write(Indent((await session.Engine.PlanAsync(session.Input, upgrade, ct).ConfigureAwait(false)).ToText()));
            var upgraded = await ProgressViews.LifecycleAsync("upgrade to 1.1.0", p => session.Engine.RunAsync(session.Input, upgrade, p, ct), progress).ConfigureAwait(false);
            Console.WriteLine($"  release {upgraded.Release.Number}: touched {string.Join(", ", upgraded.Release.Touched)}");
            Console.WriteLine($"  api's config on {apiHost} now (the operator's workers=8 kept, the package's new timeout line added):");
            Console.Write(Indent(await File.ReadAllTextAsync(apiConf, ct).ConfigureAwait(false)));
            var webAfter = await DemoProduct.PidAsync(sandbox, session, "web", ct).ConfigureAwait(false);
            Console.WriteLine($"  web's process: pid {webPid} before, {webAfter} after ({(webPid == webAfter ? "untouched" : "RESTARTED")})");

            Title("7. history (read from the hosts)");
            await PrintHistoryAsync(session, ct).ConfigureAwait(false);

            Title("8. rollback to release 1 (with the 1.0.0 package)");
            old = session;
            session = await LifecycleSession.OpenAsync(inventory, pkg1.OutputPath!, null, null, null, ct).ConfigureAwait(false);
            await old.DisposeAsync().ConfigureAwait(false);
            var back = await ProgressViews.LifecycleAsync("rollback to release 1", p => session.Engine.RunAsync(session.Input, new LifecycleRequest(LifecycleOperation.Rollback) { Revision = installed.Release.Number }, p, ct), progress).ConfigureAwait(false);
            Console.WriteLine($"  release {back.Release.Number}: {back.Release.Operation} to {back.Release.Version}; api's config keeps workers=8: {(await File.ReadAllTextAsync(apiConf, ct).ConfigureAwait(false)).Contains("workers=8", StringComparison.Ordinal)}");
            await PrintHistoryAsync(session, ct).ConfigureAwait(false);
            var history = await session.Engine.HistoryAsync(ct).ConfigureAwait(false);
            CliOutput.Current.ResultJson(
                "{\"demo\": \"lifecycle\", \"releases\": [" + string.Join(", ", history.Releases.Select(r => r.ToJson())) + "]}",
                "Demo finished: packaged, prechecked, installed, tested, upgraded one service keeping a user edit, and rolled back.");
            return 0;
        }
        finally
        {
            if (session is not null)
            {
                // Stop every service (the processes are real): delete the product.
                try
                {
                    await session.Engine.RunAsync(session.Input, new LifecycleRequest(LifecycleOperation.Delete), null, CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }

            if (keep)
            {
                Console.WriteLine($"Sandbox kept at {sandbox}");
            }
            else if (Directory.Exists(sandbox))
            {
                Directory.Delete(sandbox, recursive: true);
            }
        }
    }

    private static async Task PrintHistoryAsync(LifecycleSession session, CancellationToken ct)
    {
        foreach (var r in (await session.Engine.HistoryAsync(ct).ConfigureAwait(false)).Releases)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Number}  {r.Operation.ToString().ToLowerInvariant(),-9} {r.Version,-6} {r.Outcome.ToString().ToLowerInvariant(),-10} {r.User}@{r.Machine}  {string.Join(", ", r.Services.Select(s => s.Name + " " + s.Version))}"));
        }
    }

    private static void Title(string text) => Console.WriteLine($"== {text}");

    private static string Indent(string text) => string.Concat(text.Split('\n').Select((l, i) => l.Length == 0 ? (i == 0 ? "\n" : "") : "    " + l + "\n"));

    private static IProgress<LifecycleProgress> Printer() => new SyncProgress<LifecycleProgress>(e =>
    {
        if (e.Kind is LifecycleEventKind.StepStarted or LifecycleEventKind.TestPassed or LifecycleEventKind.TestFailed or LifecycleEventKind.RollingBack or LifecycleEventKind.Resuming or LifecycleEventKind.Warning)
        {
            Console.WriteLine("  " + e.Message);
        }
    });
}
