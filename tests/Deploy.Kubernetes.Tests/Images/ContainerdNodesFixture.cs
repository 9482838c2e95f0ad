using Deploy.Core.Hosts;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Images;

/// <summary>
/// Three isolated hosts as cluster nodes; node-a and node-b each run their own containerd (apt package
/// <c>containerd</c>) with its own root, state and socket under the host's tmpfs and the <c>native</c> snapshotter
/// (overlay mounts may be refused in the sandbox), so each node really has its own image store. node-c runs none: a
/// node whose import fails. Started once for the test class; the daemons are ready when <c>ctr version</c> answers.
/// </summary>
public sealed class ContainerdNodesFixture(IMessageSink sink) : IsolatedHostsFixture(sink), IAsyncLifetime
{
    public static readonly string[] Running = ["node-a", "node-b"];

    protected override IReadOnlyList<IsolatedHostSpec> Specs { get; } = [new("node-a"), new("node-b"), new("node-c")];

    /// <summary>containerd's socket on <paramref name="node"/> (node-c's is never created).</summary>
    public static string Socket(string node) => $"/run/ctr-{node}/containerd.sock";

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        await Task.WhenAll(Running.Select(StartAsync));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var node in Running)
        {
            await using var host = Hosts[node].CreateHost();
            await host.RunAsync(CommandSpec.Of("sh", "-c", $"[ -f /var/lib/ctr-{node}/pid ] && kill -9 \"$(cat /var/lib/ctr-{node}/pid)\"; true"));
        }

        await DisposeAsync();
    }

    private async Task StartAsync(string node)
    {
        await using var host = Hosts[node].CreateHost();
        var config = $"""
            version = 2
            root = "/var/lib/ctr-{node}/root"
            state = "/run/ctr-{node}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{Socket(node)}"
            """;
        (await host.RunAsync(CommandSpec.Of("sh", "-c",
            $"mkdir -p /var/lib/ctr-{node} /run/ctr-{node} && cat > /var/lib/ctr-{node}/config.toml && " +
            $"(setsid containerd --config /var/lib/ctr-{node}/config.toml > /var/lib/ctr-{node}/log 2>&1 < /dev/null & echo $! > /var/lib/ctr-{node}/pid)")
            with { StandardInput = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(config)) })).ThrowOnFailure();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var version = await host.RunAsync(CommandSpec.Of("ctr", "--address", Socket(node), "version"));
            if (version.ExitCode == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var log = await host.RunAsync(CommandSpec.Of("cat", $"/var/lib/ctr-{node}/log"));
                throw new InvalidOperationException($"containerd on {node} did not answer: {version.StandardError}\n{log.StandardOutput}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }
}
