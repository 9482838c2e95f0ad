using Deploy.Core.Inventory;
using System.Globalization;
using Deploy.Core.Sequence.Model;
using Semver;
using YamlDotNet.RepresentationModel;

namespace Deploy.Core.Lifecycle.Model;

/// <summary>Reads one <c>service.yaml</c> (see <see cref="ProductLoader"/> for the format). Unknown fields are errors.</summary>
internal static class ServiceYamlParser
{
    private static readonly string[] TopFields = ["kind", "version", "dependsOn", "placement", "values", "configs", "hooks", "needs", "component", "kubernetes"];
    private static readonly string[] PlacementFields = ["roles", "labels", "replicas"];
    private static readonly string[] ConfigFields = ["source", "target", "mode", "changeEvent"];
    private static readonly string[] HookFields = ["command", "timeout", "workingDirectory"];
    private static readonly string[] NeedsFields = ["cpu", "memory", "disk", "ports", "commands"];
    private static readonly string[] ComponentFields = ["restartEvent", "startupTimeout", "errorHandling", "files", "services"];
    private static readonly string[] FileFields = ["source", "target", "changeEvent", "mode"];
    private static readonly string[] ServiceFields = ["type", "command", "workingDirectory"];
    private static readonly string[] KubernetesFields = ["namespace", "manifests"];

    public static ServiceDefinition Parse(string text, string name, string directory, string sourceName)
    {
        var r = YamlNodeReader.Parse(text, sourceName);
        if (r.Root is null)
        {
            throw new Errors.DeployException(Errors.DeployErrorCode.InvalidConfiguration, $"{sourceName}: the file is empty; a service needs at least 'kind' and 'version'.") { Path = sourceName };
        }

        var root = r.Mapping(r.Root, "(top level)");
        r.CheckFields(root, "", TopFields);
        var kindNode = YamlNodes.Get(root, "kind") ?? throw r.Error(root, "kind", "required: app, middleware or addon.");
        var versionNode = YamlNodes.Get(root, "version") ?? throw r.Error(root, "version", "required: a SemVer version such as 1.2.0.");
        var service = new ServiceDefinition(name, r.Enum<ProductServiceKind>(kindNode, "kind"), Version(r, versionNode, "version"))
        {
            Directory = directory,
            SourceFile = sourceName,
            DependsOn = r.StringList(YamlNodes.Get(root, "dependsOn"), "dependsOn"),
            Placement = Placement(r, YamlNodes.Get(root, "placement")),
            Values = r.Values(YamlNodes.Get(root, "values"), "values"),
            Configs = r.Sequence(YamlNodes.Get(root, "configs"), "configs").Select((n, i) => Config(r, n, $"configs[{i}]", directory)).ToList(),
            Hooks = Hooks(r, YamlNodes.Get(root, "hooks")),
            Needs = Needs(r, YamlNodes.Get(root, "needs")),
            Component = Component(r, YamlNodes.Get(root, "component"), name, directory),
            Kubernetes = YamlNodes.Get(root, "kubernetes") is { } k && !YamlNodes.IsNull(k) ? Kubernetes(r, k, directory) : null,
        };
        return service;
    }

    internal static SemVersion Version(YamlNodeReader r, YamlNode node, string field)
    {
        var text = r.Scalar(node, field);
        return SemVersion.TryParse(text, SemVersionStyles.Strict, out var v)
            ? v
            : throw r.Error(node, field, $"'{text}' is not a SemVer version (MAJOR.MINOR.PATCH, e.g. 1.2.0 or 2.0.0-rc.1).");
    }

    private static ServicePlacement Placement(YamlNodeReader r, YamlNode? node)
    {
        if (node is null || YamlNodes.IsNull(node))
        {
            return new ServicePlacement();
        }

        var map = r.Mapping(node, "placement");
        r.CheckFields(map, "placement", PlacementFields);
        int? replicas = 1;
        if (YamlNodes.Get(map, "replicas") is { } rep)
        {
            replicas = rep is YamlScalarNode { Value: "all" } ? null : r.Int(rep, "placement.replicas", 1, 10_000);
        }

        return new ServicePlacement
        {
            Roles = r.StringList(YamlNodes.Get(map, "roles"), "placement.roles"),
            Labels = r.Entries(YamlNodes.Get(map, "labels"), "placement.labels").Select(e => KeyValuePair.Create(e.Name, r.Scalar(e.Value, "placement.labels." + e.Name))).ToList(),
            Replicas = replicas,
        };
    }

    private static ConfigTemplate Config(YamlNodeReader r, YamlNode node, string field, string directory)
    {
        var map = r.Mapping(node, field);
        r.CheckFields(map, field, ConfigFields);
        var source = LocalFile(r, YamlNodes.Get(map, "source") ?? throw r.Error(node, field + ".source", "required: the template path in the service folder."), field + ".source", directory);
        var target = Absolute(r, YamlNodes.Get(map, "target") ?? throw r.Error(node, field + ".target", "required: the absolute path on the target."), field + ".target");
        var config = new ConfigTemplate(source, target);
        if (YamlNodes.Get(map, "mode") is { } mode)
        {
            config = config with { Mode = Octal(r, mode, field + ".mode") };
        }

        if (YamlNodes.Get(map, "changeEvent") is { } ce)
        {
            config = config with { ChangeEvent = r.Enum<ChangeEvent>(ce, field + ".changeEvent") };
        }

        return config;
    }

    private static Dictionary<HookKind, ServiceHook> Hooks(YamlNodeReader r, YamlNode? node)
    {
        var hooks = new Dictionary<HookKind, ServiceHook>();
        foreach (var (key, name, value) in r.Entries(node, "hooks"))
        {
            var kind = r.Enum<HookKind>(key, "hooks." + name);
            var field = "hooks." + name;
            ServiceHook hook;
            if (value is YamlScalarNode)
            {
                hook = new ServiceHook(r.RequiredString(value, field), ServiceHook.DefaultTimeout);
            }
            else
            {
                var map = r.Mapping(value, field);
                r.CheckFields(map, field, HookFields);
                hook = new ServiceHook(
                    r.RequiredString(YamlNodes.Get(map, "command") ?? throw r.Error(value, field + ".command", "required."), field + ".command"),
                    YamlNodes.Get(map, "timeout") is { } t ? r.Duration(t, field + ".timeout") : ServiceHook.DefaultTimeout)
                {
                    WorkingDirectory = YamlNodes.Get(map, "workingDirectory") is { } wd ? Absolute(r, wd, field + ".workingDirectory") : null,
                };
            }

            hooks[kind] = hook;
        }

        return hooks;
    }

    private static ResourceNeeds Needs(YamlNodeReader r, YamlNode? node)
    {
        if (node is null || YamlNodes.IsNull(node))
        {
            return ResourceNeeds.None;
        }

        var map = r.Mapping(node, "needs");
        r.CheckFields(map, "needs", NeedsFields);
        var cpu = 0d;
        if (YamlNodes.Get(map, "cpu") is { } c)
        {
            var text = r.Scalar(c, "needs.cpu");
            cpu = double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v >= 0
                ? v
                : throw r.Error(c, "needs.cpu", $"'{text}' is not a number of CPU cores (e.g. 0.5 or 2).");
        }

        return new ResourceNeeds
        {
            Cpu = cpu,
            MemoryBytes = YamlNodes.Get(map, "memory") is { } m ? r.Size(m, "needs.memory") : 0,
            Disk = r.Entries(YamlNodes.Get(map, "disk"), "needs.disk").Select(e => new DiskNeed(Absolute(r, e.Key, "needs.disk"), r.Size(e.Value, "needs.disk." + e.Name))).ToList(),
            Ports = r.Sequence(YamlNodes.Get(map, "ports"), "needs.ports").Select(p => r.Int(p, "needs.ports", 1, 65535)).ToList(),
            Commands = r.StringList(YamlNodes.Get(map, "commands"), "needs.commands"),
        };
    }

    private static Component Component(YamlNodeReader r, YamlNode? node, string name, string directory)
    {
        var component = new Component(name);
        if (node is null || YamlNodes.IsNull(node))
        {
            return component;
        }

        var map = r.Mapping(node, "component");
        r.CheckFields(map, "component", ComponentFields);
        var files = r.Sequence(YamlNodes.Get(map, "files"), "component.files").Select((f, i) =>
        {
            var field = $"component.files[{i}]";
            var fm = r.Mapping(f, field);
            r.CheckFields(fm, field, FileFields);
            var file = new ComponentFile(
                Path.Combine(directory, LocalFile(r, YamlNodes.Get(fm, "source") ?? throw r.Error(f, field + ".source", "required."), field + ".source", directory)),
                Absolute(r, YamlNodes.Get(fm, "target") ?? throw r.Error(f, field + ".target", "required."), field + ".target"))
            {
                ChangeEvent = YamlNodes.Get(fm, "changeEvent") is { } ce ? r.Enum<ChangeEvent>(ce, field + ".changeEvent") : ChangeEvent.Restart,
                Mode = YamlNodes.Get(fm, "mode") is { } mode ? Octal(r, mode, field + ".mode") : null,
            };
            return file;
        }).ToList();
        var services = r.Sequence(YamlNodes.Get(map, "services"), "component.services").Select((s, i) =>
        {
            var field = $"component.services[{i}]";
            var sm = r.Mapping(s, field);
            r.CheckFields(sm, field, ServiceFields);
            return new Service(
                r.Enum<ServiceKind>(YamlNodes.Get(sm, "type") ?? throw r.Error(s, field + ".type", "required: Install, Startup, Runtime or Remove."), field + ".type"),
                r.RequiredString(YamlNodes.Get(sm, "command") ?? throw r.Error(s, field + ".command", "required."), field + ".command"))
            {
                WorkingDirectory = YamlNodes.Get(sm, "workingDirectory") is { } wd ? Absolute(r, wd, field + ".workingDirectory") : null,
            };
        }).ToList();
        return component with
        {
            Files = files,
            Services = services,
            RestartEvent = YamlNodes.Get(map, "restartEvent") is { } re ? r.Enum<RestartEvent>(re, "component.restartEvent") : RestartEvent.Component,
            ErrorHandling = YamlNodes.Get(map, "errorHandling") is { } eh ? r.Enum<ErrorHandling>(eh, "component.errorHandling") : ErrorHandling.Stop,
            StartupTimeout = YamlNodes.Get(map, "startupTimeout") is { } st ? r.Duration(st, "component.startupTimeout") : TimeSpan.Zero,
        };
    }

    private static KubernetesSection Kubernetes(YamlNodeReader r, YamlNode node, string directory)
    {
        var map = r.Mapping(node, "kubernetes");
        r.CheckFields(map, "kubernetes", KubernetesFields);
        return new KubernetesSection
        {
            Namespace = YamlNodes.Get(map, "namespace") is { } ns ? r.RequiredString(ns, "kubernetes.namespace") : null,
            Manifests = r.Sequence(YamlNodes.Get(map, "manifests"), "kubernetes.manifests").Select(m => LocalFile(r, m, "kubernetes.manifests", directory)).ToList(),
        };
    }

    /// <summary>A path relative to the service folder that exists there and stays inside it; returned with '/'.</summary>
    private static string LocalFile(YamlNodeReader r, YamlNode node, string field, string directory)
    {
        var text = r.RequiredString(node, field);
        var full = Path.GetFullPath(Path.Combine(directory, text));
        var root = Path.GetFullPath(directory).TrimEnd('/') + "/";
        if (Path.IsPathRooted(text) || !full.StartsWith(root, StringComparison.Ordinal))
        {
            throw r.Error(node, field, $"'{text}' must be a relative path inside the service folder.");
        }

        if (!File.Exists(full) && !System.IO.Directory.Exists(full))
        {
            throw r.Error(node, field, $"'{text}' does not exist in the service folder '{directory}'.", Errors.DeployErrorCode.LocalPathNotFound);
        }

        return Path.GetRelativePath(directory, full).Replace('\\', '/');
    }

    private static string Absolute(YamlNodeReader r, YamlNode node, string field)
    {
        var text = r.RequiredString(node, field);
        return text.StartsWith('/') || text.StartsWith("{{", StringComparison.Ordinal)
            ? text
            : throw r.Error(node, field, $"'{text}' must be an absolute path on the target (or start with a template such as '{{{{ base_dir }}}}/...').");
    }

    private static UnixFileMode Octal(YamlNodeReader r, YamlNode node, string field)
    {
        var text = r.Scalar(node, field);
        return text.Length is > 0 and <= 4 && text.All(ch => ch is >= '0' and <= '7')
            ? (UnixFileMode)Convert.ToInt32(text, 8)
            : throw r.Error(node, field, $"'{text}' is not an octal mode like 0644 (quote it: \"0644\").");
    }
}
