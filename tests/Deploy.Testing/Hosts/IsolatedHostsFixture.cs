using Xunit.Abstractions;
using Xunit.Sdk;

namespace Deploy.Testing.Hosts;

/// <summary>
/// An <see cref="IsolatedHosts"/> set shared by the tests of a class (<c>IClassFixture&lt;IsolatedHostsFixture&gt;</c>):
/// by default <see cref="IsolatedHostSpec.ThreeDistributions"/>. Derive and override <see cref="Specs"/> or
/// <see cref="Options"/> for other hosts. The summary (and a fallback, loudly) goes to xUnit's diagnostic messages;
/// call <see cref="Report"/> from a test class constructor to put it in each test's output too.
/// </summary>
public class IsolatedHostsFixture : IAsyncLifetime
{
    private readonly IMessageSink _sink;
    private IsolatedHosts? _hosts;

    /// <summary>Creates the fixture (xUnit passes the message sink).</summary>
    public IsolatedHostsFixture(IMessageSink sink) => _sink = sink;

    /// <summary>The running hosts.</summary>
    public IsolatedHosts Hosts => _hosts ?? throw new InvalidOperationException("The isolated hosts fixture has not started.");

    /// <summary>The hosts to start. <value>The default is <see cref="IsolatedHostSpec.ThreeDistributions"/>.</value></summary>
    protected virtual IReadOnlyList<IsolatedHostSpec> Specs => IsolatedHostSpec.ThreeDistributions;

    /// <summary>How to start them. <value>The default is <see cref="IsolatedHostsOptions"/>' defaults.</value></summary>
    protected virtual IsolatedHostsOptions Options => new();

    /// <summary>Writes the set's summary (isolated or fallback, hosts, startup time) to a test's output.</summary>
    public void Report(ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(Hosts.Summary);
    }

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        _hosts = await IsolatedHosts.StartAsync(Specs, Options with { Log = m => _sink.OnMessage(new DiagnosticMessage(m)) });

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_hosts is not null)
        {
            await _hosts.DisposeAsync();
        }
    }
}
