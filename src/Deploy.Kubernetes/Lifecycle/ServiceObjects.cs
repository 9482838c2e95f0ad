using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>
/// The objects of one rendered service (pure): its manifests, each labelled with the product and service, and its
/// config files as one ConfigMap <c>&lt;service&gt;-config</c> (key = the file name) whose content hash is stamped on
/// every pod template of the service, so a changed config rolls its pods as a changed spec would.
/// </summary>
internal static class ServiceObjects
{
    public const string ProductLabel = "deploy-sdk.io/product";
    public const string ServiceLabel = "deploy-sdk.io/service";
    public const string ConfigHashAnnotation = "deploy-sdk.io/config-hash";

    /// <summary>The ConfigMap holding <paramref name="service"/>'s configs.</summary>
    public static string ConfigMapName(string service) => Dns(service) + "-config";

    /// <summary>The ConfigMap key of a config's target path: its file name, as a ConfigMap key allows.</summary>
    public static string KeyOf(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var key = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return key.Length == 0 ? "config" : key;
    }

    /// <summary>The config ConfigMap (null when the service has no configs) and the manifests, ready to apply.</summary>
    public static (ManifestObject? ConfigMap, IReadOnlyList<ManifestObject> Manifests) Build(string product, RenderedService service, IReadOnlyDictionary<string, string> configs, string? ns)
    {
        var name = service.Service.Name;
        ManifestObject? configMap = null;
        var hash = "";
        if (service.Configs.Count > 0)
        {
            var data = new JsonObject();
            var paths = new JsonObject();
            foreach (var c in service.Configs)
            {
                var key = KeyOf(c.Target);
                if (data.ContainsKey(key))
                {
                    throw new DeployException(DeployErrorCode.ManifestInvalid, $"Service '{name}' has two configs named '{key}' ({paths[key]} and {c.Target}); on Kubernetes each config of a service needs its own file name.") { Service = name, Path = c.Target };
                }

                data[key] = configs.TryGetValue(c.Target, out var text) ? text : c.Content.Text;
                paths[key] = c.Target;
            }

            hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(data.ToJsonString())))[..16].ToLowerInvariant();
            var body = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
                ["metadata"] = Metadata(ConfigMapName(name), ns, product, name, new JsonObject { [InventoryStore.PathsAnnotation] = paths.ToJsonString() }),
                ["data"] = data,
            };
            configMap = new ManifestObject(new ObjectRef("v1", "ConfigMap", ns, ConfigMapName(name)), body, $"{name}/configs");
        }

        var manifests = new List<ManifestObject>();
        foreach (var m in service.Manifests)
        {
            foreach (var o in ManifestSet.Parse(m.Content.Text, $"{name}/{m.Source}"))
            {
                var body = (JsonObject)o.Body.DeepClone();
                var metadata = (JsonObject)body["metadata"]!;
                var labels = metadata["labels"] as JsonObject ?? new JsonObject();
                metadata["labels"] = labels;
                labels[ProductLabel] = product;
                labels[ServiceLabel] = name;
                if (hash.Length > 0 && body["spec"]?["template"] is JsonObject template)
                {
                    var tm = template["metadata"] as JsonObject ?? new JsonObject();
                    template["metadata"] = tm;
                    var annotations = tm["annotations"] as JsonObject ?? new JsonObject();
                    tm["annotations"] = annotations;
                    annotations[ConfigHashAnnotation] = hash;
                }

                manifests.Add(o with { Ref = o.Ref with { Namespace = o.Ref.Namespace ?? ns }, Body = body });
            }
        }

        return (configMap, manifests);
    }

    /// <summary>The digest of everything a service applies (recorded with its inventory: an identical re-apply is skipped).</summary>
    public static string Digest(ManifestObject? configMap, IReadOnlyList<ManifestObject> manifests)
    {
        var all = new JsonArray();
        foreach (var o in (configMap is null ? manifests : manifests.Prepend(configMap)))
        {
            all.Add(new JsonObject { ["ref"] = o.Ref.ToString(), ["body"] = o.Body.DeepClone() });
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToJsonString()))).ToLowerInvariant();
    }

    public static JsonObject Metadata(string name, string? ns, string product, string service, JsonObject? annotations = null)
    {
        var m = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject { [ProductLabel] = product, [ServiceLabel] = service },
        };
        if (ns is not null)
        {
            m["namespace"] = ns;
        }

        if (annotations is not null)
        {
            m["annotations"] = annotations;
        }

        return m;
    }

    /// <summary>A name as DNS-1123 allows (lowercase alphanumerics and '-').</summary>
    public static string Dns(string name)
    {
        var s = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return s.Length == 0 ? "x" : s[..Math.Min(s.Length, 50)];
    }
}
