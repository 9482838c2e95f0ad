using System.Text;
using System.Text.RegularExpressions;
using Deploy.Core.Errors;
using Deploy.Core.Inventory;
using Deploy.Core.Lifecycle.Model;

namespace Deploy.Core.Lifecycle.Scheduling;

/// <summary>
/// Reads and writes <c>scheduled.yaml</c>:
/// <code>
/// # Which services run on which hosts. Edit, then: deploy schedule apply -c scheduled.yaml
/// product: shop
/// services:
///   api: [node-1, node-2]
///   redis: [node-3]
/// </code>
/// Writing is byte-identical for an identical schedule (services in name order, no timestamps).
/// </summary>
public static partial class ScheduleYaml
{
    /// <summary>The YAML text of <paramref name="schedule"/>.</summary>
    public static string Write(Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var sb = new StringBuilder();
        sb.Append("# Which services run on which hosts. Edit, then: deploy schedule apply -c scheduled.yaml\n");
        sb.Append("product: ").Append(Scalar(schedule.Product)).Append('\n');
        sb.Append("services:").Append(schedule.Services.Count == 0 ? " {}\n" : "\n");
        foreach (var s in schedule.Services.OrderBy(s => s.Service, StringComparer.Ordinal))
        {
            sb.Append("  ").Append(Scalar(s.Service)).Append(": [").Append(string.Join(", ", s.Hosts.Select(Scalar))).Append("]\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// Parses and validates a schedule against <paramref name="product"/> and <paramref name="inventory"/>: an unknown
    /// service is <see cref="DeployErrorCode.UnknownService"/>, an unknown host, a duplicate or an empty host list is
    /// <see cref="DeployErrorCode.ScheduleInvalid"/>; errors name the file, line and field.
    /// </summary>
    public static Schedule Parse(string yaml, ProductDefinition product, HostInventory inventory, string sourceName = "scheduled.yaml")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(inventory);
        var r = YamlNodeReader.Parse(yaml, sourceName);
        var root = r.Mapping(r.Root ?? throw new DeployException(DeployErrorCode.ScheduleInvalid, $"{sourceName} is empty.") { Path = sourceName }, "(top level)");
        r.CheckFields(root, "", ["product", "services"]);
        var productNode = YamlNodes.Get(root, "product") ?? throw r.Error(root, "product", "required: the product name.");
        var name = r.RequiredString(productNode, "product");
        if (name != product.Name)
        {
            throw r.Error(productNode, "product", $"this schedule is for '{name}', not for '{product.Name}'.", DeployErrorCode.ScheduleInvalid);
        }

        var services = new List<ScheduledService>();
        foreach (var (key, service, value) in r.Entries(YamlNodes.Get(root, "services"), "services"))
        {
            var field = "services." + service;
            if (product.Services.All(s => s.Name != service))
            {
                throw r.Error(key, field, $"unknown service '{service}'; the services of '{product.Name}' are: {string.Join(", ", product.Services.Select(s => s.Name))}.", DeployErrorCode.UnknownService);
            }

            var hosts = new List<string>();
            foreach (var node in r.Sequence(value, field))
            {
                var host = r.RequiredString(node, field);
                if (!inventory.TryGetHost(host, out _))
                {
                    throw r.Error(node, field, $"unknown host '{host}': the inventory '{inventory.Source}' has no such host.", DeployErrorCode.ScheduleInvalid);
                }

                if (hosts.Contains(host, StringComparer.Ordinal))
                {
                    throw r.Error(node, field, $"host '{host}' is listed twice.", DeployErrorCode.ScheduleInvalid);
                }

                hosts.Add(host);
            }

            if (hosts.Count == 0)
            {
                throw r.Error(value, field, $"service '{service}' has no host; remove the line to leave it unscheduled.", DeployErrorCode.ScheduleInvalid);
            }

            services.Add(new ScheduledService(service, hosts));
        }

        return new Schedule(product.Name, services.OrderBy(s => s.Service, StringComparer.Ordinal).ToList());
    }

    /// <summary>Reads and validates a schedule file (see <see cref="Parse"/>).</summary>
    public static async Task<Schedule> LoadAsync(string path, ProductDefinition product, HostInventory inventory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"The schedule file '{path}' does not exist; run precheck to make one.") { Path = path };
        }

        return Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), product, inventory, path);
    }

    internal static string Scalar(string value) => PlainSafe().IsMatch(value) && value is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n")
        ? value
        : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.\-]*$")]
    private static partial Regex PlainSafe();
}
