using System.CommandLine;
using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Deploy.Core.Sequence.Import;
using Deploy.Core.Sequence.Services;

namespace Deploy.Cli;

/// <summary>
/// Where `deploy plan`/`deploy apply` work: the local machine (optionally a sandbox root), one SSH host
/// (`--host user@addr[:port]` with `--identity-file`, `--known-hosts`, `--accept-new-host-key`), or the hosts an
/// inventory pattern selects (`-i inventory.yaml --hosts name`).
/// </summary>
internal sealed class SequenceTargets
{
    public Option<string?> Root { get; } = new("--root") { Description = "Deploy into this sandbox directory on the local machine (overrides host.local.root)" };

    public Option<string?> Host { get; } = new("--host") { Description = "Deploy to this SSH host: user@address[:port]" };

    public Option<string?> Identity { get; } = new("--identity-file") { Description = "SSH private key for --host" };

    public Option<string?> KnownHosts { get; } = new("--known-hosts") { Description = "known_hosts file for --host (default ~/.ssh/known_hosts; host keys are checked)" };

    public Option<bool> AcceptNew { get; } = new("--accept-new-host-key") { Description = "Record an unknown host key on first contact (a changed key is still refused)" };

    public Option<string?> Inventory { get; } = new("--inventory", "-i") { Description = "Inventory YAML file; deploys to the hosts --hosts selects, one after another" };

    public Option<string?> Hosts { get; } = new("--hosts", "-H") { Description = "Host pattern in the inventory (host, group, label selector...)" };

    public Option<ServiceManagerKind> Services { get; } = new("--service-manager") { Description = "Auto (systemd where it is PID 1, else the process supervisor), Systemd or ProcessSupervisor", DefaultValueFactory = _ => ServiceManagerKind.Auto };

    public IEnumerable<Option> All => [Root, Host, Identity, KnownHosts, AcceptNew, Inventory, Hosts, Services];

    /// <summary>The hosts the options name (the caller disposes them).</summary>
    public async Task<IReadOnlyList<IHost>> OpenAsync(ParseResult parse, TargetDocument doc, CancellationToken ct)
    {
        var address = parse.GetValue(Host);
        var inventory = parse.GetValue(Inventory);
        if (address is not null && inventory is not null)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, "Give either --host or --inventory, not both.");
        }

        if (inventory is not null)
        {
            var inv = await HostInventory.LoadAsync(inventory, ct).ConfigureAwait(false);
            var pattern = parse.GetValue(Hosts) ?? throw new DeployException(DeployErrorCode.InvalidArgument, "--inventory needs --hosts to say which hosts to deploy to.");
            var selected = inv.Select(pattern);
            if (selected.Count == 0)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"The host pattern '{pattern}' selects no host of {inventory}.") { Path = inventory };
            }

            var factory = new InventoryHostFactory();
            return selected.Select(factory.Create).ToList();
        }

        if (address is not null)
        {
            var options = ParseAddress(address) with
            {
                IdentityFile = parse.GetValue(Identity),
                HostKeyPolicy = parse.GetValue(AcceptNew) ? HostKeyPolicy.AcceptNew : HostKeyPolicy.Strict,
            };
            if (parse.GetValue(KnownHosts) is { } known)
            {
                options = options with { KnownHostsFile = known };
            }

            return [new SshHost(options)];
        }

        var sandbox = parse.GetValue(Root) ?? doc.Host?.LocalRoot;
        return [sandbox is null ? new LocalHost() : LocalHost.Rooted(Path.GetFullPath(sandbox))];
    }

    /// <summary>Parses <c>user@address[:port]</c> (an IPv6 address goes in brackets: <c>user@[::1]:2222</c>).</summary>
    public static SshHostOptions ParseAddress(string text)
    {
        var at = text.LastIndexOf('@');
        var user = at > 0 ? text[..at] : null;
        var rest = text[(at + 1)..];
        string? portText = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            portText = close > 0 && close + 1 < rest.Length && rest[close + 1] == ':' ? rest[(close + 2)..] : null;
            rest = close > 0 ? rest[1..close] : "";
        }
        else if (rest.Count(c => c == ':') == 1)
        {
            portText = rest[(rest.IndexOf(':', StringComparison.Ordinal) + 1)..];
            rest = rest[..rest.IndexOf(':', StringComparison.Ordinal)];
        }

        int? port = null;
        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"--host '{text}': the port must be a number from 1 to 65535.");
            }

            port = p;
        }

        if (rest.Length == 0 || user?.Length == 0)
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"--host '{text}': expected user@address[:port].");
        }

        var options = new SshHostOptions { Address = rest, User = user };
        return port is { } value ? options with { Port = value } : options;
    }
}
