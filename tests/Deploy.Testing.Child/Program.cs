using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;
using Deploy.Docker.Updates;
using Deploy.Packaging.Installing;
using Deploy.Testing.Kill;

// Usage:
//   Deploy.Testing.Child package-install <sandbox root> <package file> <work dir>
//   Deploy.Testing.Child image-update <deployment directory> <archive>...
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
