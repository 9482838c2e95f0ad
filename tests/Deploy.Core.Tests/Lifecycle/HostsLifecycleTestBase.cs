using System.Xml.Linq;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Merge;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Testing;
using Deploy.Testing.Hosts;
using Deploy.Testing.Kill;
using Xunit.Abstractions;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>What the lifecycle host tests share: three isolated hosts (one set for the collection), connections,
/// engines on fresh connections, progress to the test output.</summary>
[CollectionDefinition(Name)]
public sealed class LifecycleHostsCollection : ICollectionFixture<IsolatedHostsFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "lifecycle-hosts";
}

public abstract class HostsLifecycleTestBase : IAsyncLifetime
{
    private readonly IsolatedHostsFixture _fixture;
    protected readonly ITestOutputHelper _output;
    protected readonly TempDirectory _temp = new();
    protected readonly List<IHost> _opened = [];

    protected HostsLifecycleTestBase(IsolatedHostsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Report(output);
    }

    protected IsolatedHosts Hosts => _fixture.Hosts;

    protected IHost Host(string name)
    {
        var h = Hosts[name].CreateHost();
        _opened.Add(h);
        return h;
    }

    protected LifecycleEngine Engine(ShopProduct p) => new(ShopProduct.Backend(Hosts, p.Name, _opened));

    protected IProgress<LifecycleProgress> Log(List<LifecycleProgress>? events = null) => new SyncProgress<LifecycleProgress>(e =>
    {
        lock (_output)
        {
            events?.Add(e);
            _output.WriteLine($"{e.Kind}: {e.Message}");
        }
    });

    protected static async Task<string> ReadAsync(IHost host, string path)
    {
        var r = await host.RunAsync(CommandSpec.Of("cat", path));
        return r.ThrowOnFailure().StandardOutput;
    }

    protected static void CopyTree(string from, string to)
    {
        foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(d.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(f, f.Replace(from, to, StringComparison.Ordinal));
        }
    }

    protected sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var h in _opened)
        {
            await h.DisposeAsync();
        }

        _temp.Dispose();
    }
}
