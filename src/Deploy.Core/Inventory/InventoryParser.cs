using System.Globalization;
using System.Text.RegularExpressions;
using Deploy.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using static Deploy.Core.Inventory.YamlNodes;

namespace Deploy.Core.Inventory;

/// <summary>
/// Reads the inventory YAML through YamlDotNet's representation model, so every error can name the file, the
/// line and the field. Unknown fields are errors (a typo such as <c>adress:</c> must not silently become a
/// host reachable at its name).
/// </summary>
internal sealed partial class InventoryParser
{
    private static readonly string[] TopFields = ["vars", "defaults", "hosts", "groups"];
    private static readonly string[] ConnectionFields = ["address", "port", "user", "identity_file", "known_hosts_file", "proxy_jump", "connect_timeout", "accept_new_host_keys", "ssh_config", "connection", "root", "transport", "password_env", "password_file"];
    private static readonly string[] DefaultFields = ConnectionFields[1..];
    private static readonly string[] HostFields = [.. ConnectionFields, "labels", "vars"];
    private static readonly string[] GroupFields = ["hosts", "children", "selector", "vars"];

    private readonly string _source;
    private readonly string? _baseDirectory;

    public InventoryParser(string? source, string? baseDirectory)
    {
        _source = source ?? "<inventory>";
        _baseDirectory = baseDirectory;
    }

    public HostInventory Parse(TextReader reader)
    {
        var stream = new YamlStream();
        var parser = new PathTrackingParser(new Parser(reader));
        try
        {
            stream.Load(parser);
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // Some scanner failures (e.g. an unclosed '[' at the end of the file) come without a position.
            var mark = e is YamlException { Start.Line: > 0 } y ? y.Start : parser.LastMark;
            var field = parser.KeyPathAt(mark) ?? (parser.Path is { Length: > 0 } path ? path : null);
            var message = e is YamlException ? YamlNodes.CleanMessage(e.Message) : "the text ends inside an unclosed '[', '{' or quote.";
            if (message.StartsWith("Duplicate key", StringComparison.Ordinal))
            {
                message = $"'{field?.Split('.')[^1]}' is declared twice; each host, group, field and variable is declared once.";
            }

            throw Error(mark, field, $"the YAML is malformed: {message}", e);
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return Build([], [], InventoryHost.Empty);
        }

        if (stream.Documents.Count > 1)
        {
            throw Error(stream.Documents[1].RootNode.Start, null, "expected one YAML document, found several (remove the '---' separators).");
        }

        var root = Mapping(stream.Documents[0].RootNode, "(top level)");
        CheckFields(root, "", TopFields);

        var vars = StringMap(Get(root, "vars"), "vars");
        var defaults = Get(root, "defaults") is { } d ? ParseConnection(Mapping(d, "defaults"), "defaults", new InventoryHost("defaults"), DefaultFields) : null;
        var hosts = ParseHosts(Get(root, "hosts"), defaults);
        var groups = ParseGroups(Get(root, "groups"), hosts);
        return Build(hosts, groups, vars);
    }

    private List<InventoryHost> ParseHosts(YamlNode? node, InventoryHost? defaults)
    {
        var hosts = new List<InventoryHost>();
        if (node is null || IsNull(node))
        {
            return hosts;
        }

        foreach (var (keyNode, value) in Mapping(node, "hosts").Children)
        {
            var name = Name(keyNode, "hosts");
            var field = "hosts." + name;
            if (hosts.Any(h => h.Name == name))
            {
                throw Error(keyNode.Start, field, $"duplicate host '{name}': each host is declared once.");
            }

            var seed = new InventoryHost(name)
            {
                Port = defaults?.Port,
                User = defaults?.User,
                IdentityFile = defaults?.IdentityFile,
                KnownHostsFile = defaults?.KnownHostsFile,
                ProxyJump = defaults?.ProxyJump,
                ConnectTimeout = defaults?.ConnectTimeout,
                AcceptNewHostKeys = defaults?.AcceptNewHostKeys ?? false,
                SshConfigFile = defaults?.SshConfigFile,
                Connection = name == HostInventory.LocalHostName ? HostConnection.Local : defaults?.Connection ?? HostConnection.Ssh,
                RootDirectory = defaults?.RootDirectory,
                Transport = defaults?.Transport ?? Hosts.Ssh.SshTransport.OpenSsh,
                PasswordEnvironmentVariable = defaults?.PasswordEnvironmentVariable,
                PasswordFile = defaults?.PasswordFile,
                Line = (int)keyNode.Start.Line,
            };
            if (IsNull(value))
            {
                hosts.Add(seed);
                continue;
            }

            var map = Mapping(value, field);
            var host = ParseConnection(map, field, seed, HostFields) with
            {
                Labels = StringMap(Get(map, "labels"), field + ".labels"),
                Vars = StringMap(Get(map, "vars"), field + ".vars"),
            };
            if (host.Connection == HostConnection.Ssh && host.RootDirectory is not null && Get(map, "root") is { } rootNode)
            {
                throw Error(rootNode.Start, field + ".root", "'root' only applies to hosts with 'connection: local'.");
            }

            hosts.Add(host);
        }

        return hosts;
    }

    private InventoryHost ParseConnection(YamlMappingNode map, string field, InventoryHost seed, string[] allowed)
    {
        CheckFields(map, field, allowed);
        var host = seed;
        if (Get(map, "address") is { } address)
        {
            host = host with { Address = RequiredString(address, field + ".address") };
        }

        if (Get(map, "port") is { } port)
        {
            var text = Scalar(port, field + ".port");
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                throw Error(port.Start, field + ".port", $"expected a port number from 1 to 65535, found '{text}'.");
            }

            host = host with { Port = p };
        }

        if (Get(map, "user") is { } user)
        {
            host = host with { User = RequiredString(user, field + ".user") };
        }

        if (Get(map, "identity_file") is { } identity)
        {
            host = host with { IdentityFile = ResolvePath(RequiredString(identity, field + ".identity_file")) };
        }

        if (Get(map, "known_hosts_file") is { } knownHosts)
        {
            host = host with { KnownHostsFile = ResolvePath(RequiredString(knownHosts, field + ".known_hosts_file")) };
        }

        if (Get(map, "proxy_jump") is { } jump)
        {
            host = host with { ProxyJump = RequiredString(jump, field + ".proxy_jump") };
        }

        if (Get(map, "connect_timeout") is { } connectTimeout)
        {
            var text = Scalar(connectTimeout, field + ".connect_timeout");
            if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 3600)
            {
                throw Error(connectTimeout.Start, field + ".connect_timeout", $"expected a number of seconds above 0 and at most 3600, found '{text}'.");
            }

            host = host with { ConnectTimeout = TimeSpan.FromSeconds(seconds) };
        }

        if (Get(map, "accept_new_host_keys") is { } acceptNew)
        {
            var text = Scalar(acceptNew, field + ".accept_new_host_keys");
            host = host with
            {
                AcceptNewHostKeys = text switch
                {
                    "true" or "yes" => true,
                    "false" or "no" => false,
                    _ => throw Error(acceptNew.Start, field + ".accept_new_host_keys", $"expected true or false, found '{text}'."),
                },
            };
        }

        if (Get(map, "ssh_config") is { } sshConfig)
        {
            host = host with { SshConfigFile = ResolvePath(RequiredString(sshConfig, field + ".ssh_config")) };
        }

        if (Get(map, "connection") is { } connection)
        {
            var text = Scalar(connection, field + ".connection");
            host = host with
            {
                Connection = text switch
                {
                    "ssh" => HostConnection.Ssh,
                    "local" => HostConnection.Local,
                    _ => throw Error(connection.Start, field + ".connection", $"expected 'ssh' or 'local', found '{text}'."),
                },
            };
        }

        if (Get(map, "transport") is { } transport)
        {
            var text = Scalar(transport, field + ".transport");
            host = host with
            {
                Transport = text switch
                {
                    "openssh" => Hosts.Ssh.SshTransport.OpenSsh,
                    "managed" => Hosts.Ssh.SshTransport.Managed,
                    _ => throw Error(transport.Start, field + ".transport", $"expected 'openssh' or 'managed', found '{text}'."),
                },
            };
        }

        if (Get(map, "password_env") is { } passwordEnv)
        {
            host = host with { PasswordEnvironmentVariable = RequiredString(passwordEnv, field + ".password_env") };
        }

        if (Get(map, "password_file") is { } passwordFile)
        {
            host = host with { PasswordFile = ResolvePath(RequiredString(passwordFile, field + ".password_file")) };
        }

        if (Get(map, "root") is { } root)
        {
            host = host with { RootDirectory = ResolvePath(RequiredString(root, field + ".root")) };
        }

        return host;
    }

    private List<InventoryGroup> ParseGroups(YamlNode? node, List<InventoryHost> hosts)
    {
        var groups = new List<InventoryGroup>();
        if (node is null || IsNull(node))
        {
            return groups;
        }

        var childNodes = new Dictionary<string, List<(string Name, Mark Mark)>>(StringComparer.Ordinal);
        var hostNames = hosts.Select(h => h.Name).Append(HostInventory.LocalHostName).ToHashSet(StringComparer.Ordinal);
        foreach (var (keyNode, value) in Mapping(node, "groups").Children)
        {
            var name = Name(keyNode, "groups");
            var field = "groups." + name;
            if (name == HostInventory.AllGroupName)
            {
                throw Error(keyNode.Start, field, "'all' is reserved: it always means every declared host.");
            }

            if (hostNames.Contains(name))
            {
                throw Error(keyNode.Start, field, $"'{name}' is already a host name; a group needs a name of its own so selectors are unambiguous.");
            }

            if (groups.Any(g => g.Name == name))
            {
                throw Error(keyNode.Start, field, $"duplicate group '{name}': each group is declared once.");
            }

            var group = new InventoryGroup(name) { Line = (int)keyNode.Start.Line };
            var children = new List<(string, Mark)>();
            if (!IsNull(value))
            {
                var map = Mapping(value, field);
                CheckFields(map, field, GroupFields);
                var members = new List<string>();
                foreach (var item in Sequence(Get(map, "hosts"), field + ".hosts"))
                {
                    var hostName = Scalar(item, field + ".hosts");
                    if (!hostNames.Contains(hostName))
                    {
                        throw Error(item.Start, field + ".hosts", $"unknown host '{hostName}': declare it under 'hosts:' first.");
                    }

                    if (!members.Contains(hostName))
                    {
                        members.Add(hostName);
                    }
                }

                foreach (var item in Sequence(Get(map, "children"), field + ".children"))
                {
                    children.Add((Scalar(item, field + ".children"), item.Start));
                }

                group = group with
                {
                    HostNames = members,
                    Children = children.Select(c => c.Item1).ToList(),
                    Selector = StringMap(Get(map, "selector"), field + ".selector"),
                    Vars = StringMap(Get(map, "vars"), field + ".vars"),
                };
            }

            childNodes[name] = children;
            groups.Add(group);
        }

        var byName = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        foreach (var (parent, children) in childNodes)
        {
            foreach (var (child, mark) in children)
            {
                if (!byName.ContainsKey(child))
                {
                    throw Error(mark, $"groups.{parent}.children", $"unknown group '{child}': declare it under 'groups:'.");
                }
            }
        }

        return ResolveGroups(groups, hosts, childNodes);
    }

    private List<InventoryGroup> ResolveGroups(List<InventoryGroup> groups, List<InventoryHost> hosts, Dictionary<string, List<(string Name, Mark Mark)>> childNodes)
    {
        var byName = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        var members = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var depth = groups.ToDictionary(g => g.Name, _ => 0, StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        HashSet<string> Collect(string name, List<string> path)
        {
            if (members.TryGetValue(name, out var done))
            {
                return done;
            }

            if (!visiting.Add(name))
            {
                var cycle = string.Join(" -> ", path.SkipWhile(p => p != name).Append(name));
                var (_, mark) = childNodes[path[^1]].First(c => c.Name == name);
                throw Error(mark, $"groups.{path[^1]}.children", $"groups contain each other in a cycle ({cycle}).");
            }

            path.Add(name);
            var group = byName[name];
            var set = new HashSet<string>(group.HostNames, StringComparer.Ordinal);
            if (group.Selector.Count > 0)
            {
                set.UnionWith(hosts.Where(h => Matches(h, group.Selector)).Select(h => h.Name));
            }

            foreach (var child in group.Children)
            {
                set.UnionWith(Collect(child, path));
            }

            path.RemoveAt(path.Count - 1);
            visiting.Remove(name);
            members[name] = set;
            return set;
        }

        int Depth(string name, int guard)
        {
            var parents = groups.Where(g => g.Children.Contains(name)).ToList();
            return parents.Count == 0 || guard > groups.Count ? 0 : parents.Max(p => Depth(p.Name, guard + 1)) + 1;
        }

        foreach (var group in groups)
        {
            Collect(group.Name, []);
        }

        var order = hosts.Select((h, i) => (h.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        return groups.Select(g => g with
        {
            Members = members[g.Name].OrderBy(n => order.TryGetValue(n, out var i) ? i : int.MaxValue).ToList(),
            Depth = Depth(g.Name, 0),
        }).ToList();
    }

    internal static bool Matches(InventoryHost host, IReadOnlyDictionary<string, string> selector) =>
        selector.All(kv => host.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private HostInventory Build(List<InventoryHost> hosts, List<InventoryGroup> groups, IReadOnlyDictionary<string, string> vars)
    {
        if (!hosts.Any(h => h.Name == HostInventory.LocalHostName))
        {
            hosts.Add(new InventoryHost(HostInventory.LocalHostName) { Address = "localhost", Connection = HostConnection.Local, IsImplicit = true });
        }

        return new HostInventory(_source, hosts, groups, vars);
    }

    private string ResolvePath(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Join(home, path[1..]);
        }

        return Path.IsPathRooted(path) || _baseDirectory is null ? path : Path.GetFullPath(Path.Combine(_baseDirectory, path));
    }

    private string Name(YamlNode key, string field)
    {
        var name = Scalar(key, field);
        if (!NamePattern().IsMatch(name))
        {
            throw Error(key.Start, field + "." + name, $"'{name}' is not a valid name: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'.");
        }

        return name;
    }

    private IReadOnlyDictionary<string, string> StringMap(YamlNode? node, string field)
    {
        if (node is null || IsNull(node))
        {
            return InventoryHost.Empty;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in Mapping(node, field).Children)
        {
            var name = Scalar(key, field);
            result[name] = IsNull(value) ? "" : Scalar(value, field + "." + name);
        }

        return result;
    }

    private List<YamlNode> Sequence(YamlNode? node, string field)
    {
        if (node is null || IsNull(node))
        {
            return [];
        }

        return node is YamlSequenceNode seq
            ? seq.Children.ToList()
            : throw Error(node.Start, field, $"expected a list, found {YamlNodes.Describe(node)}.");
    }

    private YamlMappingNode Mapping(YamlNode node, string field) => node as YamlMappingNode
        ?? throw Error(node.Start, field, $"expected a mapping (key: value lines), found {YamlNodes.Describe(node)}.");

    private string Scalar(YamlNode node, string field) => node is YamlScalarNode { Value: { } value }
        ? value
        : throw Error(node.Start, field, $"expected a single value, found {YamlNodes.Describe(node)}.");

    private string RequiredString(YamlNode node, string field)
    {
        var value = Scalar(node, field);
        return value.Length > 0 ? value : throw Error(node.Start, field, "expected a value, found an empty one.");
    }

    private void CheckFields(YamlMappingNode map, string field, string[] allowed)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = Scalar(key, field);
            if (!allowed.Contains(name))
            {
                var where = field.Length == 0 ? name : field + "." + name;
                throw Error(key.Start, where, $"unknown field '{name}'; expected one of: {string.Join(", ", allowed)}.");
            }
        }
    }





    private DeployException Error(Mark mark, string? field, string message, Exception? inner = null)
    {
        var where = $"{_source}:{mark.Line}:{mark.Column}";
        var text = field is null ? $"{where}: {message}" : $"{where}: field '{field}': {message}";
        return new DeployException(DeployErrorCode.InvalidConfiguration, text, inner) { Path = field is null ? _source : $"{_source}#{field}" };
    }

    [GeneratedRegex(@"^[\p{L}\p{N}_][\p{L}\p{N}_.\-]*$")]
    private static partial Regex NamePattern();
}
