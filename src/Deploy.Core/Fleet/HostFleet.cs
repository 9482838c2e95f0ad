using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Core.Fleet;

/// <summary>
/// A set of hosts that one operation runs on: with bounded parallelism, fail-fast or continue, in rolling
/// batches, and stopping when too many hosts fail (see <see cref="FleetOptions"/>). Results come back per host,
/// in fleet order.
/// <code>
/// await using var fleet = HostFleet.FromInventory(inventory, "web", new InventoryHostFactory(...),
///     new FleetOptions { MaxParallelism = 5, MaxFailurePercentage = 0 }.WithBatches("1", "25%"));
/// var result = await fleet.RunAsync((host, ctx, ct) => host.RunAsync(CommandSpec.Of("systemctl", "restart", "app"), ct).ThrowOnFailure(), progress, ct);
/// result.ThrowOnFailure();
/// </code>
/// </summary>
public sealed class HostFleet : IAsyncDisposable
{
    private readonly bool _ownsHosts;
    private readonly ILogger _logger;

    /// <summary>Creates a fleet. Target names must be unique. With <paramref name="ownsHosts"/> the fleet disposes
    /// the hosts when it is disposed.</summary>
    public HostFleet(IEnumerable<FleetTarget> targets, FleetOptions? options = null, ILogger<HostFleet>? logger = null, bool ownsHosts = false)
    {
        ArgumentNullException.ThrowIfNull(targets);
        Targets = targets.ToList();
        var duplicate = Targets.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The fleet has two targets named '{duplicate.Key}'; names identify results and must be unique.");
        }

        Options = options ?? new FleetOptions();
        Options.Validate();
        _ownsHosts = ownsHosts;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The targets, in fleet order (the order batches are cut in and results are reported in).</summary>
    public IReadOnlyList<FleetTarget> Targets { get; }

    /// <summary>The options <see cref="RunAsync{T}(Func{IHost, HostContext, CancellationToken, Task{T}}, IProgress{FleetProgress}?, CancellationToken)"/> uses.</summary>
    public FleetOptions Options { get; }

    /// <summary>A fleet of hosts named by <see cref="IHost.Name"/>; the caller keeps ownership of the hosts.</summary>
    public static HostFleet Of(IEnumerable<IHost> hosts, FleetOptions? options = null, ILogger<HostFleet>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        return new HostFleet(hosts.Select(h => new FleetTarget(h.Name, h)), options, logger);
    }

    /// <summary>
    /// A fleet of the inventory hosts selected by <paramref name="pattern"/> (see <see cref="HostInventory.Select"/>),
    /// created by <paramref name="factory"/> and owned (disposed) by the fleet. Each target carries the host's
    /// effective variables and labels. Throws <see cref="DeployErrorCode.InvalidArgument"/> when nothing matches.
    /// </summary>
    public static HostFleet FromInventory(HostInventory inventory, string pattern, IHostFactory factory, FleetOptions? options = null, ILogger<HostFleet>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(factory);
        var selected = inventory.Select(pattern);
        if (selected.Count == 0)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"Host pattern '{pattern}' matches no host in inventory '{inventory.Source}'.") { Path = inventory.Source };
        }

        var targets = new List<FleetTarget>(selected.Count);
        try
        {
            foreach (var entry in selected)
            {
                targets.Add(new FleetTarget(entry.Name, factory.Create(entry))
                {
                    Vars = inventory.ResolveVars(entry.Name),
                    Labels = entry.Labels,
                    InventoryHost = entry,
                });
            }
        }
        catch
        {
            foreach (var t in targets)
            {
                // Best effort: the creation error is the one worth reporting.
                _ = t.Host.DisposeAsync().AsTask();
            }

            throw;
        }

        return new HostFleet(targets, options, logger, ownsHosts: true);
    }

    /// <summary>Runs <paramref name="operation"/> on every target with this fleet's <see cref="Options"/>.</summary>
    public Task<FleetResult<T>> RunAsync<T>(Func<IHost, HostContext, CancellationToken, Task<T>> operation, IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(operation, Options, progress, cancellationToken);

    /// <summary>
    /// Runs <paramref name="operation"/> on every target with <paramref name="options"/>. Failures on hosts are
    /// results, not exceptions (call <see cref="FleetResult{T}.ThrowOnFailure"/>). When
    /// <paramref name="cancellationToken"/> is cancelled, running operations see it, the method waits for them to
    /// wind down and then throws <see cref="OperationCanceledException"/>: nothing keeps running after it returns.
    /// </summary>
    public async Task<FleetResult<T>> RunAsync<T>(Func<IHost, HostContext, CancellationToken, Task<T>> operation, FleetOptions options, IProgress<FleetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var run = new FleetRun<T>(this, options, operation, progress, _logger, cancellationToken);
        return await run.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Cuts <paramref name="fleetSize"/> hosts into batches of <paramref name="sizes"/> (the last size
    /// repeating); returns each batch's host count.</summary>
    public static IReadOnlyList<int> PlanBatches(int fleetSize, IReadOnlyList<FleetBatchSize> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfNegative(fleetSize);
        var batches = new List<int>();
        var left = fleetSize;
        while (left > 0)
        {
            var size = sizes.Count == 0 ? fleetSize : sizes[Math.Min(batches.Count, sizes.Count - 1)].Resolve(fleetSize);
            var take = Math.Min(size, left);
            batches.Add(take);
            left -= take;
        }

        return batches;
    }

    /// <summary>Cuts <paramref name="fleetSize"/> hosts into the batches of cumulative <paramref name="cohorts"/> (see
    /// <see cref="FleetOptions.Cohorts"/>): each batch holds the hosts its stage adds; returns each batch's host count.
    /// For 20 hosts, <c>[1, 10%, 50%, 100%]</c> gives <c>[1, 1, 8, 10]</c>.</summary>
    public static IReadOnlyList<int> PlanCohorts(int fleetSize, IReadOnlyList<FleetBatchSize> cohorts)
    {
        ArgumentNullException.ThrowIfNull(cohorts);
        ArgumentOutOfRangeException.ThrowIfNegative(fleetSize);
        var batches = new List<int>();
        var done = 0;
        foreach (var cohort in cohorts)
        {
            var reach = Math.Min(fleetSize, cohort.Resolve(fleetSize));
            if (reach > done)
            {
                batches.Add(reach - done);
                done = reach;
            }
        }

        if (done < fleetSize)
        {
            batches.Add(fleetSize - done);
        }

        return batches;
    }

    internal static IReadOnlyList<int> Plan(int fleetSize, FleetOptions options)
        => options.Cohorts.Count > 0 ? PlanCohorts(fleetSize, options.Cohorts) : PlanBatches(fleetSize, options.BatchSizes);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_ownsHosts)
        {
            return;
        }

        foreach (var target in Targets)
        {
            await target.Host.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static string Percent(double value) => value.ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
