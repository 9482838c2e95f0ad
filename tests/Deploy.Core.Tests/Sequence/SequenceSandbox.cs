using System.Diagnostics;
using System.Globalization;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// A source directory, a rooted LocalHost target and the exOS-like example components of the seed document:
/// DataConnection (RestartEvent=Target, StartupTimeout 5 s, exos-data.conf), Types (types.py) and Logger.
/// Every service writes "component kind" to /var/log/order.log on the target; runtime services then sleep.
/// Dispose kills every runtime service still running.
/// </summary>
public sealed class SequenceSandbox : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("deploy-seq");

    /// <summary>On a rooted LocalHost (<paramref name="ssh"/> null), target paths are sandboxed through DEPLOY_ROOT;
    /// on an SSH host (the test sshd on this machine) they are prefixed with a temp directory.</summary>
    public SequenceSandbox(SshServer? ssh = null)
    {
        Source = _dir.Combine("src");
        if (ssh is null)
        {
            Host = LocalHost.Rooted(_dir.Combine("target"));
            Prefix = "";
            RootVar = "$DEPLOY_ROOT";
        }
        else
        {
            Host = ssh.CreateHost();
            Prefix = _dir.Combine("target");
            Directory.CreateDirectory(Prefix);
            RootVar = Prefix;
        }

        Directory.CreateDirectory(Source);
        WriteSource("types/types.py", new string('t', 120));
        WriteSource("data/exos-data.conf", "loglevel=info\n");
        WriteSource("data/exos-api.conf", "api=1\n");
        WriteSource("logger/logger.sh", "echo logger\n");
    }

    public string Source { get; }

    public IHost Host { get; }

    /// <summary>Prepended to every target path (empty on the rooted LocalHost).</summary>
    public string Prefix { get; }

    /// <summary>What service commands prepend to absolute paths.</summary>
    public string RootVar { get; }

    /// <summary>The target path for a logical path like /opt/types/types.py.</summary>
    public string T(string path) => Prefix + path;

    public InstantTimeProvider Time { get; } = new();

    public string StateDirectory => T("/var/lib/deploy-sequence/plc");

    public string WriteSource(string relative, string content)
    {
        var path = Path.Combine(Source, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The local path of a target path (the SSH target is this machine).</summary>
    public string TargetFile(string path) => Host is LocalHost l ? l.MapPath(path) : path;

    public string[] OrderLog()
    {
        var path = TargetFile(T("/var/log/order.log"));
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    /// <summary>Runtime services write their line asynchronously: wait until the log has <paramref name="lines"/> lines.</summary>
    public async Task<string[]> OrderLogAsync(int lines)
    {
        var sw = Stopwatch.StartNew();
        while (OrderLog().Length < lines && sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        return OrderLog();
    }

    public void ClearOrderLog() => File.Delete(TargetFile(T("/var/log/order.log")));

    public string Mark(string component, string kind) => $"mkdir -p \"{RootVar}/var/log\" && echo '{component} {kind}' >> \"{RootVar}/var/log/order.log\"";

    public string Runtime(string component) => Mark(component, "runtime") + " && exec sleep 600";

    public TargetBuilder Target(string logLevel = "info", Action<ComponentBuilder>? dataExtra = null, Action<ComponentBuilder>? typesExtra = null, bool typesServices = true)
        => TargetBuilder.Create("plc")
            .WithStateDirectory(StateDirectory)
            .WithConfiguration("logLevel", logLevel)
            .AddComponent("DataConnection", c =>
            {
                c.AddFile(Path.Combine(Source, "data/exos-data.conf"), T("/opt/exos/exos-data.conf"), ChangeEvent.Restart)
                 .AddFile(Path.Combine(Source, "data/exos-api.conf"), T("/opt/exos/exos-api.conf"), ChangeEvent.Restart)
                 .WithRestartEvent(RestartEvent.Target)
                 .WithStartupTimeout(TimeSpan.FromSeconds(5))
                 .Startup(Mark("DataConnection", "startup") + $" && mkdir -p \"{RootVar}/etc\" && cp exos-api.conf exos-data.conf \"{RootVar}/etc/\"", T("/opt/exos"))
                 .Runtime(Runtime("DataConnection"), T("/opt/exos"));
                dataExtra?.Invoke(c);
            })
            .AddComponent("Types", c =>
            {
                c.AddFile(Path.Combine(Source, "types/types.py"), T("/opt/types/types.py"), ChangeEvent.Restart);
                if (typesServices)
                {
                    c.Startup(Mark("Types", "startup") + $" && mkdir -p \"{RootVar}/home/user/types\" && cp types.py \"{RootVar}/home/user/types/\"", T("/opt/types"))
                     .Runtime(Runtime("Types"), T("/opt/types"));
                }

                typesExtra?.Invoke(c);
            })
            .AddComponent("Logger", c => c
                .AddFile(Path.Combine(Source, "logger/logger.sh"), T("/opt/logger/logger.sh"), ChangeEvent.Restart)
                .Startup(Mark("Logger", "startup"), T("/opt/logger"))
                .Runtime(Runtime("Logger"), T("/opt/logger")));

    public SequenceApplier Applier(IServiceManager? services = null)
        => SequenceApplier.ForHost(Host, Target().Build(), new SequenceApplierOptions { TimeProvider = Time }, services);

    public async Task<ApplyResult> ApplyAsync(TargetDefinition target, ApplyOptions? options = null, IProgress<SequenceProgress>? progress = null)
    {
        var desired = await DesiredTarget.ScanAsync(target);
        return await Applier().ApplyAsync(desired, options, progress);
    }

    public async Task<Plan> PlanAsync(TargetDefinition target, PlanOptions? options = null)
        => await Applier().PlanAsync(await DesiredTarget.ScanAsync(target), options);

    public async Task<bool> IsRunningAsync(string component, int index = 0)
    {
        var supervisor = new ProcessSupervisor(Host, StateDirectory);
        return await supervisor.IsRunningAsync(new ServiceRef(component, new Service(ServiceKind.Runtime, "x"), index));
    }

    /// <summary>Sets a file's mtime (UTC) exactly.</summary>
    public static void SetMtime(string path, DateTime utc) => File.SetLastWriteTimeUtc(path, utc);

    public async ValueTask DisposeAsync()
    {
        var run = TargetFile(StateDirectory + "/run");
        if (Directory.Exists(run))
        {
            foreach (var pidFile in Directory.EnumerateFiles(run, "*.pid", SearchOption.AllDirectories))
            {
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    using var kill = Process.Start("kill", ["-s", "KILL", "--", "-" + pid.ToString(CultureInfo.InvariantCulture)]);
                    await kill.WaitForExitAsync();
                }
            }
        }

        await Host.DisposeAsync();
        _dir.Dispose();
    }
}
