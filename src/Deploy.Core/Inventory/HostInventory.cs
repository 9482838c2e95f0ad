using Deploy.Core.Errors;

namespace Deploy.Core.Inventory;

/// <summary>
/// The machines a deployment targets, read from a YAML file shaped like Ansible's YAML inventory but typed:
/// <code>
/// vars:                      # global variables (lowest precedence)
///   app_dir: /opt/app
/// defaults:                  # connection settings every host inherits unless it sets its own
///   user: deploy
///   identity_file: keys/id_ed25519      # relative paths are relative to this file
///   known_hosts_file: keys/known_hosts
/// hosts:
///   web-1: { address: 10.0.0.11, labels: { role: web, zone: a } }
///   web-2: { address: 10.0.0.12, port: 2222, labels: { role: web, zone: b } }
///   db-1:  { address: 10.0.0.21, vars: { app_dir: /srv/app } }
///   sandbox: { connection: local, root: /tmp/sbx }
/// groups:
///   web:     { hosts: [web-1, web-2], vars: { http_port: "8080" } }
///   zone-a:  { selector: { zone: a } }            # every host labelled zone=a
///   prod:    { children: [web], hosts: [db-1] }   # nested groups
/// </code>
/// Host fields: <c>address</c>, <c>port</c>, <c>user</c>, <c>identity_file</c>, <c>known_hosts_file</c>,
/// <c>proxy_jump</c>, <c>connect_timeout</c> (seconds), <c>accept_new_host_keys</c>, <c>ssh_config</c>,
/// <c>connection</c> (<c>ssh</c> or <c>local</c>), <c>root</c> (local only), <c>labels</c>, <c>vars</c>; all but the
/// last two may also appear under <c>defaults:</c> except <c>address</c>. Group fields: <c>hosts</c>, <c>children</c>,
/// <c>selector</c>, <c>vars</c>. Unknown fields and wrong types are errors naming the file, line and field.
/// Every inventory also has a host named <c>local</c> (this machine): implicit unless declared, and not part of
/// <c>all</c> unless declared. Variable precedence, lowest to highest: global <c>vars</c>, then group
/// <c>vars</c> (a child group over its parents; among groups at the same depth, the one declared later), then
/// the host's own <c>vars</c>. Variable values are strings.
/// </summary>
public sealed class HostInventory
{
    /// <summary>The name of the implicit host that is this machine.</summary>
    public const string LocalHostName = "local";

    /// <summary>The reserved pattern that selects every declared host.</summary>
    public const string AllGroupName = "all";

    private readonly Dictionary<string, InventoryHost> _hosts;
    private readonly Dictionary<string, InventoryGroup> _groups;

    internal HostInventory(string source, IReadOnlyList<InventoryHost> hosts, IReadOnlyList<InventoryGroup> groups, IReadOnlyDictionary<string, string> vars)
    {
        Source = source;
        Hosts = hosts;
        Groups = groups;
        Vars = vars;
        _hosts = hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
        _groups = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
    }

    /// <summary>Where the inventory came from (a file path, or the name given to <see cref="Parse"/>).</summary>
    public string Source { get; }

    /// <summary>Every host in file order, followed by the implicit <c>local</c> host when the file does not
    /// declare one.</summary>
    public IReadOnlyList<InventoryHost> Hosts { get; }

    /// <summary>Every group in file order, with resolved <see cref="InventoryGroup.Members"/>.</summary>
    public IReadOnlyList<InventoryGroup> Groups { get; }

    /// <summary>The global variables.</summary>
    public IReadOnlyDictionary<string, string> Vars { get; }

    /// <summary>An inventory holding only the <c>local</c> host, optionally rooted in a sandbox directory: the
    /// embedded default when no inventory file is given.</summary>
    public static HostInventory LocalOnly(string? rootDirectory = null)
    {
        var local = new InventoryHost(LocalHostName) { Address = "localhost", Connection = HostConnection.Local, RootDirectory = rootDirectory };
        return new HostInventory("<local>", [local], [], InventoryHost.Empty);
    }

    /// <summary>Returns a copy whose implicit <c>local</c> host is rooted in <paramref name="rootDirectory"/> (see
    /// <see cref="Hosts.LocalHostOptions.RootDirectory"/>). A <c>local</c> host declared in the file is left alone.</summary>
    public HostInventory WithLocalRoot(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        var hosts = Hosts.Select(h => h.IsImplicit ? h with { RootDirectory = Path.GetFullPath(rootDirectory) } : h).ToList();
        return new HostInventory(Source, hosts, Groups, Vars);
    }

    /// <summary>Reads an inventory file. Throws <see cref="DeployErrorCode.LocalPathNotFound"/> when it does not
    /// exist and <see cref="DeployErrorCode.InvalidConfiguration"/> (naming the file, line and field) when it is
    /// malformed.</summary>
    public static async Task<HostInventory> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Inventory file '{path}' does not exist.", e) { Path = path };
        }

        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>Parses inventory YAML. <paramref name="sourceName"/> names it in errors;
    /// <paramref name="baseDirectory"/> anchors relative paths (identity files, known_hosts, roots).</summary>
    public static HostInventory Parse(string yaml, string? sourceName = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        using var reader = new StringReader(yaml);
        return new InventoryParser(sourceName, baseDirectory).Parse(reader);
    }

    /// <summary>The host named <paramref name="name"/>; throws <see cref="DeployErrorCode.InvalidArgument"/> when
    /// there is none.</summary>
    public InventoryHost GetHost(string name) => TryGetHost(name, out var host)
        ? host
        : throw new DeployException(DeployErrorCode.InvalidArgument, $"The inventory '{Source}' has no host named '{name}'.") { Path = Source };

    /// <summary>Looks a host up by name.</summary>
    public bool TryGetHost(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out InventoryHost? host) =>
        _hosts.TryGetValue(name, out host);

    /// <summary>Looks a group up by name.</summary>
    public bool TryGetGroup(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out InventoryGroup? group) =>
        _groups.TryGetValue(name, out group);

    /// <summary>The groups <paramref name="hostName"/> belongs to, in variable precedence order (lowest first).</summary>
    public IReadOnlyList<InventoryGroup> GroupsOf(string hostName)
    {
        GetHost(hostName);
        return Groups
            .Select((g, i) => (Group: g, Index: i))
            .Where(x => x.Group.Members.Contains(hostName))
            .OrderBy(x => x.Group.Depth)
            .ThenBy(x => x.Index)
            .Select(x => x.Group)
            .ToList();
    }

    /// <summary>The host's effective variables: global, then its groups' (see <see cref="GroupsOf"/>), then its own,
    /// each level overriding the one before.</summary>
    public IReadOnlyDictionary<string, string> ResolveVars(string hostName)
    {
        var host = GetHost(hostName);
        var merged = new Dictionary<string, string>(Vars, StringComparer.Ordinal);
        foreach (var group in GroupsOf(hostName))
        {
            foreach (var (k, v) in group.Vars)
            {
                merged[k] = v;
            }
        }

        foreach (var (k, v) in host.Vars)
        {
            merged[k] = v;
        }

        return merged;
    }

    /// <summary>
    /// Selects hosts with an Ansible-style pattern, returned in inventory order. Terms are separated by
    /// <c>:</c>; a plain term adds hosts, a <c>&amp;</c> term keeps only hosts also in it, a <c>!</c> term removes
    /// hosts. A term is <c>all</c> (or <c>*</c>), a host name, a group name, a glob over host names
    /// (<c>web-*</c>), or a label selector <c>key=value[,key=value...]</c> (all must match).
    /// Example: <c>web:db-1:&amp;zone=a:!web-3</c>. An unknown name or an empty pattern throws
    /// <see cref="DeployErrorCode.InvalidArgument"/>; a selector that matches nothing returns an empty list.
    /// </summary>
    public IReadOnlyList<InventoryHost> Select(string pattern) => HostSelector.Select(this, pattern);
}
