using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Core.Operations.Journaling;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// Where a product's services run: the part of the lifecycle that touches targets. The engine plans, renders,
/// merges configs, orders, parallelises, journals and records; a backend places one rendered service on one host
/// (or node), removes it, runs its hooks, and stores the product's lock, journal, secrets and release records on the
/// targets. <see cref="Hosts.HostsBackend"/> is the Linux-hosts backend (the sequence engine per host); a Kubernetes
/// backend implements the same members with a Lease, Secrets and server-side apply.
/// </summary>
public interface ILifecycleBackend
{
    /// <summary>The product this backend serves (its state on the targets is kept per product).</summary>
    string Product { get; }

    /// <summary>Every host (node) of the product, in the fixed order locks are taken in.</summary>
    IReadOnlyList<string> Hosts { get; }

    /// <summary>Generated secrets, stored on the targets.</summary>
    ISecretStore Secrets { get; }

    /// <summary>Where the operation journal lives (on a target: a later run from any machine finds it).</summary>
    IJournalStore Journal { get; }

    /// <summary>What templates see of <paramref name="host"/>.</summary>
    RenderHost Describe(string host);

    /// <summary>Takes the product's lock on every host, in <see cref="Hosts"/> order; a live holder is refused with
    /// <see cref="Errors.DeployErrorCode.LockHeld"/> naming it (and the locks taken so far are released).</summary>
    Task<IAsyncDisposable> LockAsync(string operation, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the release records of every host (host name to its records).</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<ReleaseRecord>>> ReadReleasesAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="record"/> atomically on every host.</summary>
    Task WriteReleaseAsync(ReleaseRecord record, CancellationToken cancellationToken = default);

    /// <summary>Reads a config file as it is on the target now; <c>null</c> when absent.</summary>
    Task<string?> ReadConfigAsync(string host, string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Places <paramref name="service"/> (rendered for its host) with <paramref name="configs"/> (target path to the
    /// content to write, already merged) and (re)starts it; every other service on the host stays untouched.
    /// </summary>
    Task ApplyServiceAsync(RenderedService service, IReadOnlyDictionary<string, string> configs, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Places several services rendered for the same host, as <see cref="ApplyServiceAsync"/> does each, in one go where
    /// the backend can (the hosts backend: one sequence apply, so one lock, one transfer and one settle wait). Every
    /// other service on the host stays untouched. The default places them one after the other.
    /// </summary>
    /// <param name="services">The services with their config contents (target path to merged text); all of one host.</param>
    /// <param name="progress">Output lines and <see cref="LifecycleEventKind.Transferred"/> per service.</param>
    /// <param name="cancellationToken">Cancels the placement.</param>
    async Task ApplyServicesAsync(IReadOnlyList<ServiceToApply> services, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var s in services)
        {
            await ApplyServiceAsync(s.Service, s.Configs, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Places several services of one host as <see cref="ApplyServicesAsync"/> does, but returns once they are placed
    /// and started: the task it returns is their settle watch, which completes when the runtime processes started have
    /// run for the settle period (or, for a service with a <see cref="HookKind.Ready"/> probe, as soon as it passed), and
    /// faults (<see cref="Errors.DeployErrorCode.ServiceFailed"/>, naming the service and host) when one exited meanwhile,
    /// or <see cref="Errors.DeployErrorCode.NotReady"/> when a probe never passed. The host takes its next placement while the watch runs, so a parallel install
    /// does not wait out each dependency's settle period before placing its dependents. The default places with
    /// <see cref="ApplyServicesAsync"/> (settled within) and returns a completed watch.
    /// </summary>
    /// <param name="services">The services with their config contents (target path to merged text); all of one host.</param>
    /// <param name="progress">Output lines and <see cref="LifecycleEventKind.Transferred"/> per service.</param>
    /// <param name="cancellationToken">Cancels the placement and the watch.</param>
    async Task<Task> StartServicesAsync(IReadOnlyList<ServiceToApply> services, IProgress<LifecycleProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await ApplyServicesAsync(services, progress, cancellationToken).ConfigureAwait(false);
        return Task.CompletedTask;
    }

    /// <summary>Restarts the processes of <paramref name="service"/> on its host; its files stay as they are.</summary>
    Task RestartServiceAsync(RenderedService service, CancellationToken cancellationToken = default);

    /// <summary>Stops <paramref name="service"/> on <paramref name="host"/> and removes its files; absent is fine.</summary>
    Task RemoveServiceAsync(string service, string host, CancellationToken cancellationToken = default);

    /// <summary>Collects <paramref name="host"/>'s precheck facts (free space of <paramref name="diskPaths"/>, which of
    /// <paramref name="commands"/> are on PATH, ports, CPU, memory, clock, os-release) in one round trip; a host that
    /// cannot be reached gives facts with <see cref="HostFacts.Reachable"/> false, never an exception.</summary>
    Task<HostFacts> CollectFactsAsync(string host, IReadOnlyCollection<string> diskPaths, IReadOnlyCollection<string> commands, CancellationToken cancellationToken = default);

    /// <summary>Runs a rendered hook; at its timeout the hook (all its processes) gets TERM, then KILL after a grace period; every output line goes to <paramref name="output"/>.</summary>
    Task<HookResult> RunHookAsync(RenderedService service, HookKind kind, Action<string>? output = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps release payloads (service folders) on the targets, so that <c>rollback</c> needs no package: every host
    /// in <paramref name="byHost"/> gets the folders of its services it does not hold yet (by digest, so an upgrade
    /// sends only the changed services), and every payload not named in <paramref name="keep"/> (<c>service/digest</c>)
    /// is removed from every host. The default keeps nothing (a backend without a payload store).
    /// </summary>
    /// <param name="byHost">Host name to the services whose folders it must hold.</param>
    /// <param name="keep">The payloads to keep (<c>service/digest</c>); the rest are pruned.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    Task KeepPayloadsAsync(IReadOnlyDictionary<string, IReadOnlyList<ServiceDefinition>> byHost, IReadOnlyCollection<string> keep, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>
    /// Copies the folder of <paramref name="service"/> at <paramref name="digest"/>, kept by <see cref="KeepPayloadsAsync"/>,
    /// from the first of <paramref name="hosts"/> (then any host) holding it into the local <paramref name="directory"/>;
    /// <c>false</c> when no host holds it (pruned, or never kept). The default holds nothing.
    /// </summary>
    /// <param name="service">The service (folder name).</param>
    /// <param name="digest">Its content digest.</param>
    /// <param name="hosts">The hosts to ask first (those that ran it).</param>
    /// <param name="directory">The local folder to create.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    Task<bool> FetchPayloadAsync(string service, string digest, IReadOnlyList<string> hosts, string directory, CancellationToken cancellationToken = default) => Task.FromResult(false);
}

/// <summary>A service to place on its host with its config files (<see cref="ILifecycleBackend.ApplyServicesAsync"/>).</summary>
/// <param name="Service">The service, rendered for its host.</param>
/// <param name="Configs">Target path to the content to write (already merged).</param>
public sealed record ServiceToApply(RenderedService Service, IReadOnlyDictionary<string, string> Configs);

/// <summary>How a hook ended.</summary>
/// <param name="Service">The service.</param>
/// <param name="Host">The host.</param>
/// <param name="Kind">The hook.</param>
/// <param name="ExitCode">Its exit code (-1 when it timed out).</param>
/// <param name="TimedOut">Whether it ran past its timeout and was killed.</param>
/// <param name="Output">Its output (stdout and stderr, secrets redacted).</param>
/// <param name="Duration">How long it ran.</param>
public sealed record HookResult(string Service, string Host, HookKind Kind, int ExitCode, bool TimedOut, string Output, TimeSpan Duration)
{
    /// <summary>Whether it exited 0 in time.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>How it was stopped when it ran past its timeout. <value><see cref="HookStop.None"/>.</value></summary>
    public HookStop Stop { get; init; }
}

/// <summary>How a hook that ran past its timeout was stopped: TERM first, KILL after a grace period.</summary>
public enum HookStop
{
    /// <summary>It was not stopped (it ended by itself).</summary>
    None,
    /// <summary>It ended on TERM.</summary>
    Terminated,
    /// <summary>It ignored TERM for the grace period and was killed (KILL).</summary>
    Killed,
}
