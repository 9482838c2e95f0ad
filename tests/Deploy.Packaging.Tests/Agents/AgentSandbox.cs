using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Packaging.Signing;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// A feed directory served by <see cref="FeedServer"/>, a signing key, and an app folder whose agent is a real
/// process: <c>tools/restart</c> stops the running one and starts <c>python3 -m http.server</c> on the app's port
/// (and address, from the app folder's <c>address</c> file when there is one: isolated hosts share the network),
/// serving the release's <c>www/</c>; a healthy version has <c>www/health</c> (the HTTP health check), a broken one not.
/// </summary>
internal sealed class AgentSandbox : IAsyncDisposable
{
    public const string Restart = """
        #!/bin/sh
        # $1: the app folder. Stops the running agent, then starts this release's.
        set -eu
        app="$1"
        if [ -f "$app/agent.pid" ]; then
          pid=$(cat "$app/agent.pid")
          kill "$pid" 2>/dev/null || true
          for _ in $(seq 200); do
            kill -0 "$pid" 2>/dev/null || break
            grep -q ') Z' "/proc/$pid/stat" 2>/dev/null && break
            sleep 0.05
          done
        fi
        cat version.txt > "$app/restarted-with"
        bind=$(cat "$app/address" 2>/dev/null || echo 127.0.0.1)
        nohup python3 -m http.server --bind "$bind" --directory "$(pwd -P)/www" "$(cat "$app/port")" </dev/null >/dev/null 2>&1 &
        echo $! > "$app/agent.pid"
        """;

    private AgentSandbox(TempDirectory dir, FeedServer server)
    {
        Dir = dir;
        Server = server;
        Directory.CreateDirectory(AppDirectory);
        Port = TestPorts.Free();
        File.WriteAllText(Path.Combine(AppDirectory, "port"), Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public TempDirectory Dir { get; }

    public FeedServer Server { get; }

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string FeedDirectory => Dir.Combine("feed");

    public string AppDirectory => Dir.Combine("apps", "demo");

    public int Port { get; }

    /// <summary>The update options for an app folder on the push targets (health URL set per host by the push).</summary>
    public AgentUpdateOptions RemoteOptions(string appDirectory, TimeSpan? window = null) => new()
    {
        Feed = Server.Url,
        AppDirectory = appDirectory,
        TrustedKeys = [TrustedKey.FromKey(Key)],
        RestartCommand = ["/bin/sh", "tools/restart", appDirectory],
        HealthCheck = new AgentHealthCheck { Window = window ?? TimeSpan.FromSeconds(20), Interval = TimeSpan.FromMilliseconds(100) },
        DownloadDirectory = Dir.Combine("push-downloads"),
    };

    public string? CurrentTarget => new FileInfo(Path.Combine(AppDirectory, "current")).LinkTarget;

    public string CurrentVersionFile => File.ReadAllText(Path.Combine(AppDirectory, "current", "version.txt")).Trim();

    public string RestartedWith => File.ReadAllText(Path.Combine(AppDirectory, "restarted-with")).Trim();

    public IReadOnlyList<string> Releases => Directory.EnumerateFileSystemEntries(Path.Combine(AppDirectory, "releases")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public static async Task<AgentSandbox> StartAsync()
    {
        var dir = new TempDirectory("deploy-agent");
        Directory.CreateDirectory(dir.Combine("feed"));
        return new AgentSandbox(dir, await FeedServer.StartAsync(dir.Combine("feed")));
    }

    public FeedPublisher Publisher(ECDsa? key = null, TimeProvider? time = null)
        => new(new FeedPublishOptions { FeedDirectory = FeedDirectory, SigningKey = key ?? Key, TimeProvider = time ?? TimeProvider.System });

    /// <summary>Builds the package of <paramref name="version"/> (signed by <paramref name="signWith"/>, default the feed key).</summary>
    /// <param name="blobSeed">Seeds <c>blob.bin</c>'s bytes (the same seed gives the same file); <c>null</c> for random bytes.</param>
    /// <param name="label">The text of <c>www/index.html</c> and <c>www/health</c> (default: the version); the same
    /// label in two versions leaves <c>version.txt</c> the only file that differs.</param>
    public async Task<string> PackageAsync(string version, bool healthy = true, ECDsa? signWith = null, int blobBytes = 0, bool hookFails = false, int? blobSeed = null, string? label = null)
    {
        label ??= version;
        var payload = Dir.Combine("payload-" + version + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(Path.Combine(payload, "tools"));
        Directory.CreateDirectory(Path.Combine(payload, "www"));
        Directory.CreateDirectory(Path.Combine(payload, "hooks"));
        await File.WriteAllTextAsync(Path.Combine(payload, "version.txt"), version + "\n");
        await File.WriteAllTextAsync(Path.Combine(payload, "tools", "restart"), Restart);
        await File.WriteAllTextAsync(Path.Combine(payload, "www", "index.html"), "demo agent " + label + "\n");
        await File.WriteAllTextAsync(Path.Combine(payload, "hooks", "install"), hookFails ? "#!/bin/sh\necho 'setup.py install: missing dependency' >&2\nexit 7\n" : "#!/bin/sh\nset -eu\necho \"installed $(cat version.txt)\" > hook-ran\n");
        if (healthy)
        {
            await File.WriteAllTextAsync(Path.Combine(payload, "www", "health"), "ok " + label + "\n");
        }

        if (blobBytes > 0)
        {
            var blob = new byte[blobBytes];
            if (blobSeed is { } seed)
            {
                new Random(seed).NextBytes(blob);
            }
            else
            {
                RandomNumberGenerator.Fill(blob);
            }

            await File.WriteAllBytesAsync(Path.Combine(payload, "blob.bin"), blob);
        }

        var builder = PackageBuilder.Create("demo_agent").WithType(PackageType.InstallUpdateAgent).WithOsRelease("debian,ubuntu,centos,bclinux").WithPayloadDirectory(payload).SignWith(signWith ?? Key);
        return (await builder.BuildToDirectoryAsync(Dir.Combine("out-" + version + "-" + Guid.NewGuid().ToString("N")[..6]))).OutputPath!;
    }

    public async Task<FeedIndex> PublishAsync(string version, bool healthy = true, string? minimumFrom = null, int blobBytes = 0)
        => await Publisher().PublishAsync(await PackageAsync(version, healthy, blobBytes: blobBytes), version, minimumFrom: minimumFrom);

    public AgentUpdateOptions Options(TimeSpan? window = null) => new()
    {
        Feed = Server.Url,
        AppDirectory = AppDirectory,
        TrustedKeys = [TrustedKey.FromKey(Key)],
        RestartCommand = ["/bin/sh", "tools/restart", AppDirectory],
        HealthCheck = AgentHealthCheck.Http(new Uri($"http://127.0.0.1:{Port}/health"), window ?? TimeSpan.FromSeconds(20)) with { Interval = TimeSpan.FromMilliseconds(100) },
    };

    public async ValueTask DisposeAsync()
    {
        var pidFile = Path.Combine(AppDirectory, "agent.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        await Server.DisposeAsync();
        Key.Dispose();
        Dir.Dispose();
    }
}
