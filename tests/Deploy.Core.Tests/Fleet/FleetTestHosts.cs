using Deploy.Core.Fleet;
using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Fleet;

/// <summary>N LocalHosts, each rooted in its own directory of one temp dir, named h0..hN-1.</summary>
internal sealed class FleetTestHosts : IDisposable
{
    private readonly TempDirectory _dir = new("fleet");

    public FleetTestHosts(int count)
    {
        Hosts = Enumerable.Range(0, count)
            .Select(i => new LocalHost(new LocalHostOptions { Name = $"h{i}", RootDirectory = Directory.CreateDirectory(_dir.Combine($"h{i}")).FullName }))
            .ToList();
    }

    public IReadOnlyList<LocalHost> Hosts { get; }

    public string Root => _dir.Path;

    public HostFleet Fleet(FleetOptions? options = null) => HostFleet.Of(Hosts, options);

    public void Dispose() => _dir.Dispose();
}

/// <summary>Collects progress reports synchronously, in the order they were made.</summary>
internal sealed class RecordingProgress : IProgress<FleetProgress>
{
    private readonly List<FleetProgress> _events = [];

    public IReadOnlyList<FleetProgress> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void Report(FleetProgress value)
    {
        lock (_events)
        {
            _events.Add(value);
        }
    }
}
