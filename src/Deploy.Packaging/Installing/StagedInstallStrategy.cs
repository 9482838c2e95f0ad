using Deploy.Core.Hosts;
using Deploy.Core.Operations.Running;
using Deploy.Packaging.Installing.Steps;

namespace Deploy.Packaging.Installing;

/// <summary>
/// The rdb install flow, configurable per type: upload the payload into a new release folder
/// (<c>releases/&lt;name&gt;-&lt;time&gt;</c>), then optionally <c>rpm -Uvh</c> its rpms and/or pip-install its wheels,
/// switch the <c>current</c> symlink atomically, and optionally restart the tool (<c>tools/restart</c>).
/// </summary>
/// <param name="Profile">What to do.</param>
public sealed record StagedInstallStrategy(LauncherProfile Profile) : IPackageInstallStrategy
{
    /// <summary>rpm payloads (server, worker).</summary>
    public static StagedInstallStrategy Rpm(string component) => new(new LauncherProfile(component, Rpm: true, Wheels: false, CheckProcesses: false, Restart: false));

    /// <summary>Tools and kernel-module folders (agent, agent patch): copy, switch, restart.</summary>
    public static StagedInstallStrategy Tools(string component, bool checkProcesses) => new(new LauncherProfile(component, Rpm: false, Wheels: false, checkProcesses, Restart: true));

    /// <summary>Wheels plus a tools folder (code patch).</summary>
    public static StagedInstallStrategy WheelsAndTools(string component) => new(new LauncherProfile(component, Rpm: false, Wheels: true, CheckProcesses: false, Restart: true));

    /// <inheritdoc />
    public LauncherProfile? Launcher => Profile;

    /// <summary>Processes whose command line contains the install root (<c>/opt/rdb/agent/</c>): the tool's
    /// daemons run from its folder.</summary>
    public IReadOnlyList<ProcessQuery> BackgroundProcesses(InstallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Profile.CheckProcesses)
        {
            return [];
        }

        // Processes show real paths in their command lines: on a sandboxed LocalHost that is the mapped path.
        var root = context.Host is LocalHost local ? local.MapPath(context.InstallRoot) : context.InstallRoot;
        return [ProcessQuery.ByCommandLine(root + "/")];
    }

    /// <inheritdoc />
    public IReadOnlyList<IOperationStep<InstallContext>> CreateSteps(InstallContext context)
    {
        var steps = new List<IOperationStep<InstallContext>> { new StageFilesStep() };
        if (Profile.Rpm)
        {
            steps.Add(new RpmInstallStep());
        }

        if (Profile.Wheels)
        {
            steps.Add(new PipInstallStep());
        }

        steps.Add(new SwitchCurrentStep(Profile.Restart));
        if (Profile.Restart)
        {
            steps.Add(new RestartToolStep());
        }

        return steps;
    }
}
