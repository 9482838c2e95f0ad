using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Inventory;

namespace Deploy.Testing.Hosts;

/// <summary>
/// A set of real test hosts that really differ: each an sshd in its own mount and PID namespace on its own
/// loopback address, with its own tmpfs <c>/opt</c>, <c>/var/lib</c>, <c>/home</c>, <c>/tmp</c>, <c>/run</c>, its own
/// <c>/etc/os-release</c>, root login and a non-root login user with password sudo. Files and processes on one host
/// are invisible to the others. Where this machine refuses namespaces, plain sshd servers stand in (when
/// <see cref="IsolatedHostsOptions.AllowFallback"/>) and <see cref="FallbackReason"/> says so.
/// Everything the set needs lives in one directory under <c>/var/tmp</c> (each host mounts its own <c>/tmp</c>, so
/// keys and configs cannot live there); <see cref="DisposeAsync"/> stops every host and removes it.
/// </summary>
public sealed class IsolatedHosts : IAsyncDisposable
{
    private IsolatedHosts(string directory, IReadOnlyList<IsolatedHost> hosts, string? fallbackReason, TimeSpan startupTime)
    {
        Directory = directory;
        Hosts = hosts;
        FallbackReason = fallbackReason;
        StartupTime = startupTime;
    }

    /// <summary>The running hosts, in the order they were asked for.</summary>
    public IReadOnlyList<IsolatedHost> Hosts { get; }

    /// <summary>The host named <paramref name="name"/>.</summary>
    public IsolatedHost this[string name] =>
        Hosts.FirstOrDefault(h => h.Name == name) ?? throw new KeyNotFoundException($"No test host named '{name}' (have {string.Join(", ", Hosts.Select(h => h.Name))}).");

    /// <summary>Why plain sshd servers stand in for isolated hosts; <c>null</c> when the hosts are isolated.</summary>
    public string? FallbackReason { get; }

    /// <summary>Whether every host runs in its own namespaces.</summary>
    public bool IsIsolated => FallbackReason is null;

    /// <summary>How long starting the set took (keys, files, every host answering with its SSH banner).</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The set's directory (keys, known_hosts, account files, per-host configs and logs).</summary>
    public string Directory { get; }

    /// <summary>One paragraph for test output: isolated or not (and why), the hosts, the startup time.</summary>
    public string Summary => new StringBuilder()
        .Append(IsIsolated ? "isolated test hosts (mount+PID namespaces)" : $"FALLBACK to plain sshd servers, NOT isolated: {FallbackReason}")
        .Append(CultureInfo.InvariantCulture, $", {Hosts.Count} started in {StartupTime.TotalMilliseconds:0} ms:")
        .AppendJoin("", Hosts.Select(h => "\n  " + h))
        .ToString();

    /// <summary>Starts one host per spec (in parallel) and waits until every one answers over SSH.</summary>
    public static async Task<IsolatedHosts> StartAsync(IReadOnlyList<IsolatedHostSpec> specs, IsolatedHostsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Count == 0)
        {
            throw new ArgumentException("At least one host is needed.", nameof(specs));
        }

        options ??= new IsolatedHostsOptions();
        var duplicate = specs.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Host name '{duplicate.Key}' is used twice.", nameof(specs));
        }

        var clock = Stopwatch.StartNew();
        var refusal = await LinuxNamespaces.RefusalReasonAsync();
        if (refusal is not null)
        {
            if (!options.AllowFallback)
            {
                throw new InvalidOperationException("Isolated test hosts need mount and PID namespaces, which this machine refuses: " + refusal);
            }

            options.Log?.Invoke($"isolated test hosts: namespaces refused ({refusal}); FALLING BACK to plain sshd servers on 127.0.0.1, without isolation.");
            return await StartFallbackAsync(specs, refusal, clock, cancellationToken);
        }

        var dir = Path.Combine("/var/tmp", "dnsh-" + Guid.NewGuid().ToString("N")[..10]);
        var started = new List<(IsolatedHostSpec Spec, string Address, NamespaceSshd Host)>();
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var password = options.Password ?? RandomNumberGenerator.GetHexString(20, lowercase: true);
            var keys = Task.WhenAll(Sshd.KeygenAsync(Path.Combine(dir, "host_ed25519"), cancellationToken), Sshd.KeygenAsync(Path.Combine(dir, "id_ed25519"), cancellationToken));
            var accounts = await HostAccounts.WriteAsync(dir, options.UserName, password, cancellationToken);
            await keys;
            File.Copy(Path.Combine(dir, "id_ed25519.pub"), Path.Combine(dir, "authorized_keys"));
            File.SetUnixFileMode(Path.Combine(dir, "authorized_keys"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var results = await Task.WhenAll(specs.Select((spec, i) => StartOneAsync(dir, Path.Combine(dir, "h" + i.ToString(CultureInfo.InvariantCulture)), spec, accounts, options, cancellationToken)));
            started.AddRange(results.Select((r, i) => (specs[i], r.Address, r.Host)));

            var hostKey = Sshd.PublicKey(Path.Combine(dir, "host_ed25519.pub"));
            var knownHosts = Path.Combine(dir, "known_hosts");
            await File.WriteAllTextAsync(knownHosts, string.Concat(started.Select(s => Sshd.KnownHostsLine(s.Address, options.Port, hostKey))), cancellationToken);
            var hosts = started.Select(s => new IsolatedHost(
                s.Spec.Name, s.Address, options.Port, "root", accounts.UserName, password, Path.Combine(dir, "id_ed25519"), knownHosts,
                Path.Combine(dir, "c"), s.Spec.OsRelease, s.Host.Namespaces, s.Host.StopAsync)).ToList();
            var set = new IsolatedHosts(dir, hosts, null, clock.Elapsed);
            options.Log?.Invoke(set.Summary);
            return set;
        }
        catch
        {
            await Task.WhenAll(started.Select(s => s.Host.StopAsync()));
            Sshd.TryDeleteDirectory(dir);
            throw;
        }
    }

    /// <summary>Fails (with the reason) unless the hosts are isolated: call it first in a test that needs isolation.</summary>
    public void RequireIsolation()
    {
        if (!IsIsolated)
        {
            throw new InvalidOperationException("This test needs isolated hosts (mount+PID namespaces), which this machine refuses: " + FallbackReason);
        }
    }

    /// <summary>
    /// An inventory (the format of <see cref="HostInventory"/> and the deploy CLI) with every host, logging in as
    /// <paramref name="user"/> (default: each host's <see cref="IsolatedHost.RootUser"/>) with strict host key checks.
    /// Each host gets the label <c>os</c> with its os-release <c>ID</c>.
    /// </summary>
    public string InventoryYaml(string? user = null)
    {
        var yaml = new StringBuilder("hosts:\n");
        foreach (var h in Hosts)
        {
            var os = Core.Hosts.OsRelease.Parse(h.OsRelease).Id;
            yaml.Append(CultureInfo.InvariantCulture, $"  {h.Name}:\n    address: {h.Address}\n    port: {h.Port}\n    user: {user ?? h.RootUser}\n")
                .Append(CultureInfo.InvariantCulture, $"    identity_file: {h.IdentityFile}\n    known_hosts_file: {h.KnownHostsFile}\n    ssh_config: /dev/null\n")
                .Append(CultureInfo.InvariantCulture, $"    labels: {{ os: {os} }}\n");
        }

        return yaml.ToString();
    }

    /// <summary>Writes <see cref="InventoryYaml"/> to <paramref name="path"/> and returns the path.</summary>
    public async Task<string> WriteInventoryAsync(string path, string? user = null, CancellationToken cancellationToken = default)
    {
        await File.WriteAllTextAsync(path, InventoryYaml(user), cancellationToken);
        return path;
    }

    /// <summary>The set as a parsed <see cref="HostInventory"/>.</summary>
    public HostInventory Inventory(string? user = null) => HostInventory.Parse(InventoryYaml(user), "isolated-hosts");

    /// <summary>Stops every host (nothing of theirs is left running, no mount outlives them) and removes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Task.WhenAll(Hosts.Select(h => h.StopAsync()));
        }
        finally
        {
            Sshd.TryDeleteDirectory(Directory);
        }
    }

    private static async Task<(string Address, NamespaceSshd Host)> StartOneAsync(
        string dir, string hostDir, IsolatedHostSpec spec, HostAccounts accounts, IsolatedHostsOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var address = spec.Address ?? LoopbackAddresses.Next(options.Port);
            if (!address.StartsWith("127.", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Host {spec.Name}: address {address} is outside 127.0.0.0/8.", nameof(spec));
            }

            var host = await NamespaceSshd.StartAsync(dir, hostDir, address, spec, accounts, options, cancellationToken);
            if (host is not null)
            {
                return (address, host);
            }

            if (spec.Address is not null || attempt >= 5)
            {
                throw new InvalidOperationException($"Host {spec.Name}: {address}:{options.Port} is already in use.");
            }
        }
    }

    private static async Task<IsolatedHosts> StartFallbackAsync(IReadOnlyList<IsolatedHostSpec> specs, string reason, Stopwatch clock, CancellationToken cancellationToken)
    {
        var servers = new List<SshServer>();
        try
        {
            foreach (var _ in specs)
            {
                servers.Add(await SshServer.StartAsync(cancellationToken));
            }
        }
        catch
        {
            await Task.WhenAll(servers.Select(s => s.DisposeAsync().AsTask()));
            throw;
        }

        var hosts = specs.Select((spec, i) => new IsolatedHost(
            spec.Name, servers[i].Address, servers[i].Port, servers[i].User, null, null, servers[i].IdentityFile, servers[i].KnownHostsFile,
            Path.Combine(servers[i].Directory, "c"), spec.OsRelease, null, () => servers[i].DisposeAsync().AsTask())).ToList();
        return new IsolatedHosts(servers[0].Directory, hosts, reason, clock.Elapsed);
    }
}
