using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Operations.Running;
using Deploy.Docker.Updates;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Signing;
using Deploy.Testing.Kill;

// Usage:
//   Deploy.Testing.Child package-install <sandbox root> <package file> <work dir>
//   Deploy.Testing.Child image-update <deployment directory> <archive>...
//   Deploy.Testing.Child agent-update <feed url> <app dir> <trusted key pem> <health port>
//   Deploy.Testing.Child lifecycle-upgrade <product dir> <schedule: service=host,host;...> <host: name=address:port:identity:known_hosts>...
// Runs the operation once with an observer that pauses at boundary $DEPLOY_TEST_PAUSE_AT (printing the marker).
var observer = new PauseAtBoundary();
switch (args)
{
    case ["package-install", var root, var package, var work]:
    {
        await using var host = LocalHost.Rooted(root);
        var result = await new PackageInstaller(host, new PackageInstallOptions { WorkDirectory = work, Observer = observer }).InstallAsync(package);
        Console.WriteLine($"installed {result.ReleaseName}");
        return 0;
    }

    case ["agent-update", var feed, var app, var keyPem, var port]:
    {
        var options = new AgentUpdateOptions
        {
            Feed = new Uri(feed),
            AppDirectory = app,
            TrustedKeys = [TrustedKey.FromPem(await File.ReadAllTextAsync(keyPem))],
            RestartCommand = ["/bin/sh", "tools/restart", app],
            HealthCheck = AgentHealthCheck.Http(new Uri($"http://127.0.0.1:{port}/health"), TimeSpan.FromSeconds(20)) with { Interval = TimeSpan.FromMilliseconds(100) },
            Observer = observer,
        };
        await using var updater = new AgentUpdater(options);
        var result = await updater.RunOnceAsync();
        Console.WriteLine($"agent {result.Outcome.Kind} {result.Version}");
        return 0;
    }

    case ["image-update", var directory, .. var archives] when archives.Length > 0:
    {
        await using var host = new LocalHost();
        var options = new ImageUpdateOptions
        {
            Directory = directory,
            Archives = archives,
            SettleTime = TimeSpan.FromSeconds(2),
            VerifyTimeout = TimeSpan.FromSeconds(60),
            PollInterval = TimeSpan.FromMilliseconds(200),
            Observer = observer,
        };
        var result = await new ImageUpdate(host, options).UpdateAsync();
        Console.WriteLine($"updated {result.Containers.Count} containers");
        return 0;
    }

    case ["lifecycle-upgrade", var productDir, var placement, .. var hostSpecs] when hostSpecs.Length > 0:
    {
        var product = await ProductLoader.LoadAsync(productDir);
        var schedule = new Schedule(product.Name, placement.Split(';').Select(e => e.Split('=')).Select(e => new ScheduledService(e[0], e[1].Split(','))).ToList());
        // Each host keeps its ssh control socket in a directory of its own (the SDK's default): a normal end closes the
        // masters and removes them; what a killed child leaves, the next process's first connection sweeps.
        var hosts = new Dictionary<string, (IHost Host, RenderHost Render)>();
        try
        {
            foreach (var spec in hostSpecs)
            {
                var (name, rest) = (spec[..spec.IndexOf('=', StringComparison.Ordinal)], spec[(spec.IndexOf('=', StringComparison.Ordinal) + 1)..].Split(':'));
                var ssh = new SshHost(new SshHostOptions { Address = rest[0], Port = int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture), User = "root", IdentityFile = rest[2], KnownHostsFile = rest[3], ConfigFile = "/dev/null" });
                hosts[name] = (ssh, new RenderHost(name, rest[0]));
            }

            await using var backend = new HostsBackend(product.Name, hosts);
            var result = await new LifecycleEngine(backend, observer: observer).RunAsync(new LifecycleInput(product, schedule), new LifecycleRequest(LifecycleOperation.Upgrade));
            Console.WriteLine($"recorded release {result.Release.Number}");
        }
        finally
        {
            foreach (var (host, _) in hosts.Values)
            {
                await host.DisposeAsync();
            }
        }

        return 0;
    }

    default:
        await Console.Error.WriteLineAsync("usage: package-install ROOT PACKAGE WORK | image-update DIRECTORY ARCHIVE...");
        return 2;
}

/// <summary>Pauses the operation at the boundary named by DEPLOY_TEST_PAUSE_AT (see <see cref="StepBoundaries"/>).</summary>
internal sealed class PauseAtBoundary : IOperationObserver
{
    public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
        => StepBoundaries.Current.ReachedAsync(boundary.Index, boundary.NextStep ?? "end", cancellationToken);
}
