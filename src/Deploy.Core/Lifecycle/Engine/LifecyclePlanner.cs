using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>
/// Plans a lifecycle operation (pure: product, schedule, request and the current release in; plan out). Every
/// selected service gets one step per scheduled host with the reason for its action; waves come from
/// <see cref="ServiceOrder"/> (reversed for a delete; for a schedule apply: installs, then tests on the new hosts,
/// then removals from the old ones). Unknown services, add-ons that are not add-ons, dependency
/// cycles and services without hosts are <see cref="DeployException"/>s naming the service.
/// </summary>
public static class LifecyclePlanner
{
    /// <summary>Plans <paramref name="request"/> for <paramref name="product"/> placed by <paramref name="schedule"/>,
    /// against <paramref name="current"/> (what is installed; <c>null</c> for nothing). A rollback needs
    /// <paramref name="revision"/>, the release to return to, and <paramref name="product"/> must be that release's package.</summary>
    public static LifecyclePlan Plan(ProductDefinition product, Schedule schedule, LifecycleRequest request, ReleaseRecord? current, ReleaseRecord? revision = null)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Parallel < 1)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"--parallel must be at least 1 (got {request.Parallel}).") { Path = "parallel" };
        }

        var installed = (current?.Services ?? []).ToDictionary(s => s.Name, StringComparer.Ordinal);
        var waves = request.Operation switch
        {
            LifecycleOperation.Install => Install(product, schedule, request, installed),
            LifecycleOperation.Upgrade => Upgrade(product, schedule, request, installed),
            LifecycleOperation.Delete => Delete(product, request, installed),
            LifecycleOperation.Schedule => Move(product, schedule, installed),
            LifecycleOperation.Configure => Component(product, request, installed, LifecycleAction.Configure, "configs re-rendered (three-way merge with edits on the target), then restarted"),
            LifecycleOperation.Restart => Component(product, request, installed, LifecycleAction.Restart, "restarted"),
            LifecycleOperation.Rollback => Rollback(product, installed, revision ?? throw new DeployException(DeployErrorCode.InvalidArgument, "A rollback needs the release to return to.") { Path = "revision" }),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Operation, "Unknown operation."),
        };
        return new LifecyclePlan(product.Name, product.Version.ToString(), request.Operation, waves.Where(w => w.Count > 0).Select((w, i) => new LifecycleWave(i + 1, w)).ToList())
        {
            Parallel = request.Parallel,
            AutoTest = request.AutoTest,
            BaseRelease = current?.Number,
        };
    }

    private static List<List<LifecycleStep>> Install(ProductDefinition product, Schedule schedule, LifecycleRequest request, Dictionary<string, ServiceRelease> installed)
    {
        var selection = ServiceOrder.Select(product, request.Services, request.AddOns, includeDependencies: true);
        var asked = request.Services.Count == 0 ? null : request.Services.ToHashSet(StringComparer.Ordinal);
        return selection.Waves.Select(wave => wave.SelectMany(s => HostsOf(schedule, s).Select(h =>
        {
            string reason;
            var action = LifecycleAction.Install;
            if (installed.TryGetValue(s.Name, out var have) && have.Hosts.Contains(h, StringComparer.Ordinal))
            {
                if (have.Digest == s.Digest)
                {
                    action = LifecycleAction.Keep;
                    reason = $"already installed at {have.Version} with the same content";
                }
                else
                {
                    reason = $"installed with other content (digest {Short(have.Digest)} -> {Short(s.Digest)}); reinstalled";
                }
            }
            else
            {
                reason = asked is null || asked.Contains(s.Name)
                    ? "not installed"
                    : $"not installed; needed by {string.Join(", ", Dependents(product, s.Name).Where(asked.Contains))}";
            }

            return Step(s, h, action, reason);
        })).ToList()).ToList();
    }

    private static List<List<LifecycleStep>> Upgrade(ProductDefinition product, Schedule schedule, LifecycleRequest request, Dictionary<string, ServiceRelease> installed)
    {
        var names = request.Services.Count > 0
            ? request.Services
            : product.Services.Where(s => s.Kind != ProductServiceKind.Addon || installed.ContainsKey(s.Name)).Select(s => s.Name).ToList();
        var selection = ServiceOrder.Select(product, names, includeDependencies: false);
        return selection.Waves.Select(wave => wave.SelectMany(s => HostsOf(schedule, s).Select(h =>
        {
            if (!installed.TryGetValue(s.Name, out var have) || !have.Hosts.Contains(h, StringComparer.Ordinal))
            {
                return Step(s, h, LifecycleAction.Install, "new in this package (not installed on this host)");
            }

            return have.Digest == s.Digest
                ? Step(s, h, LifecycleAction.Keep, $"unchanged (digest {Short(s.Digest)})")
                : Step(s, h, LifecycleAction.Upgrade, $"content changed: {have.Version} -> {s.Version} (digest {Short(have.Digest)} -> {Short(s.Digest)})");
        })).ToList()).ToList();
    }

    private static List<List<LifecycleStep>> Delete(ProductDefinition product, LifecycleRequest request, Dictionary<string, ServiceRelease> installed)
    {
        foreach (var name in request.Services)
        {
            _ = product.GetService(name);
        }

        var names = request.Services.Count > 0 ? request.Services : installed.Keys.Where(n => product.Services.Any(s => s.Name == n)).ToList();
        if (names.Count == 0)
        {
            return [];
        }

        var selection = ServiceOrder.Select(product, names);
        foreach (var s in selection.Services)
        {
            var staying = product.Services.Where(d => d.DependsOn.Contains(s.Name, StringComparer.Ordinal) && installed.ContainsKey(d.Name) && !selection.Names.Contains(d.Name, StringComparer.Ordinal)).Select(d => d.Name).ToList();
            if (staying.Count > 0)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"Deleting '{s.Name}' would break {string.Join(", ", staying)}, installed and depending on it; delete {(staying.Count == 1 ? "it" : "them")} too (or all).") { Service = s.Name, Path = s.Name };
            }
        }

        return selection.RemovalWaves.Select(wave => wave.SelectMany(s => installed.TryGetValue(s.Name, out var have)
            ? have.Hosts.Select(h => Step(s, h, LifecycleAction.Remove, $"installed at {have.Version}; removed (reverse dependency order)"))
            : []).ToList()).ToList();
    }

    private static List<List<LifecycleStep>> Rollback(ProductDefinition product, Dictionary<string, ServiceRelease> installed, ReleaseRecord revision)
    {
        var wanted = revision.Services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var s in revision.Services)
        {
            var def = product.Services.FirstOrDefault(d => d.Name == s.Name);
            if (def is null || def.Digest != s.Digest)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"The package given is not the one of release {revision.Number} ({revision.Product} {revision.Version}): service '{s.Name}' {(def is null ? "is missing" : $"has digest {Short(def.Digest)}, the release has {Short(s.Digest)}")}. Give the package of that release.") { Service = s.Name, Path = s.Name };
            }
        }

        var removals = installed.Values.SelectMany(s => s.Hosts
                .Where(h => !wanted.TryGetValue(s.Name, out var w) || !w.Hosts.Contains(h, StringComparer.Ordinal))
                .Select(h => new LifecycleStep(s.Name, h, LifecycleAction.Remove, $"not in release {revision.Number}") { Version = s.Version, Digest = s.Digest }))
            .OrderBy(s => s.Service, StringComparer.Ordinal).ThenBy(s => s.Host, StringComparer.Ordinal).ToList();
        var waves = new List<List<LifecycleStep>> { removals };
        var selection = wanted.Count == 0 ? [] : ServiceOrder.Select(product, wanted.Keys.ToList()).Waves;
        waves.AddRange(selection.Select(wave => wave.SelectMany(s => wanted[s.Name].Hosts.Select(h =>
        {
            if (!installed.TryGetValue(s.Name, out var have) || !have.Hosts.Contains(h, StringComparer.Ordinal))
            {
                return Step(s, h, LifecycleAction.Install, $"in release {revision.Number}, not installed now");
            }

            return have.Digest == s.Digest
                ? Step(s, h, LifecycleAction.Keep, $"same as in release {revision.Number}")
                : Step(s, h, LifecycleAction.Upgrade, $"back to release {revision.Number}: {have.Version} -> {s.Version} (digest {Short(have.Digest)} -> {Short(s.Digest)})");
        })).ToList()));
        return waves;
    }

    private static List<List<LifecycleStep>> Component(ProductDefinition product, LifecycleRequest request, Dictionary<string, ServiceRelease> installed, LifecycleAction action, string reason)
    {
        var names = request.Services.Count > 0 ? request.Services : installed.Keys.Where(n => product.Services.Any(s => s.Name == n)).ToList();
        foreach (var name in names)
        {
            var def = product.GetService(name);
            if (!installed.TryGetValue(name, out var have))
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"'{name}' is not installed; install it first.") { Service = name, Path = name };
            }

            if (action == LifecycleAction.Configure && def.Digest != have.Digest)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"configmap re-renders the installed '{name}', but this package's differs (digest {Short(def.Digest)}, installed {Short(have.Digest)}); give the installed package, or upgrade.") { Service = name, Path = name };
            }
        }

        return names.Count == 0
            ? []
            : ServiceOrder.Select(product, names).Waves.Select(wave => wave.SelectMany(s => installed[s.Name].Hosts.Select(h => Step(s, h, action, reason))).ToList()).ToList();
    }

    private static List<List<LifecycleStep>> Move(ProductDefinition product, Schedule schedule, Dictionary<string, ServiceRelease> installed)
    {
        var moves = new Dictionary<string, (IReadOnlyList<string> Add, IReadOnlyList<string> Remove)>(StringComparer.Ordinal);
        foreach (var have in installed.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var next = schedule.Services.FirstOrDefault(s => s.Service == have.Name)?.Hosts;
            if (next is null || next.Count == 0)
            {
                continue;
            }

            var add = next.Except(have.Hosts, StringComparer.Ordinal).ToList();
            var remove = have.Hosts.Except(next, StringComparer.Ordinal).ToList();
            if (add.Count + remove.Count == 0)
            {
                continue;
            }

            var def = product.Services.FirstOrDefault(d => d.Name == have.Name);
            if (def is null || def.Digest != have.Digest)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"schedule apply moves services as installed, but '{have.Name}' {(def is null ? "is not in this package" : $"differs in this package (digest {Short(def.Digest)}, installed {Short(have.Digest)})")}; give the installed package, or upgrade first.") { Service = have.Name, Path = have.Name };
            }

            moves[have.Name] = (add, remove);
        }

        if (moves.Count == 0)
        {
            return [];
        }

        var selection = ServiceOrder.Select(product, moves.Keys.ToList());
        string Hosts(IReadOnlyList<string> hosts) => hosts.Count == 0 ? "-" : string.Join(",", hosts);
        var waves = selection.Waves.Select(wave => wave.SelectMany(s => moves[s.Name].Add.Select(h =>
            Step(s, h, LifecycleAction.Install, $"placed here by the schedule (from {Hosts(installed[s.Name].Hosts)} to {Hosts(schedule.HostsOf(s.Name))})"))).ToList()).ToList();
        waves.Add(selection.Services.Where(s => s.Hooks.ContainsKey(HookKind.Test)).SelectMany(s => moves[s.Name].Add.Select(h =>
            Step(s, h, LifecycleAction.Verify, "tested on its new host before it leaves the old one"))).ToList());
        waves.AddRange(selection.RemovalWaves.Select(wave => wave.SelectMany(s => moves[s.Name].Remove.Select(h =>
            Step(s, h, LifecycleAction.Remove, $"moved away by the schedule (now on {Hosts(schedule.HostsOf(s.Name))})"))).ToList()));
        return waves;
    }

    private static IReadOnlyList<string> HostsOf(Schedule schedule, ServiceDefinition service)
    {
        var hosts = schedule.HostsOf(service.Name);
        return hosts.Count > 0
            ? hosts
            : throw new DeployException(DeployErrorCode.ScheduleInvalid, $"The schedule places '{service.Name}' on no host; run precheck to make a schedule, or add it to scheduled.yaml.") { Path = service.Name };
    }

    private static IEnumerable<string> Dependents(ProductDefinition product, string name)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([name]);
        while (queue.TryDequeue(out var n))
        {
            foreach (var d in product.Services.Where(s => s.DependsOn.Contains(n, StringComparer.Ordinal)).Select(s => s.Name).Where(result.Add))
            {
                queue.Enqueue(d);
            }
        }

        return result.Order(StringComparer.Ordinal);
    }

    private static LifecycleStep Step(ServiceDefinition s, string host, LifecycleAction action, string reason) =>
        new(s.Name, host, action, reason) { Version = s.Version.ToString(), Digest = s.Digest };

    private static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
}
