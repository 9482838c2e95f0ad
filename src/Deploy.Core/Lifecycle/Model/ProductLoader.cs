using Deploy.Core.Inventory;
using Deploy.Core.Errors;

namespace Deploy.Core.Lifecycle.Model;

/// <summary>
/// Loads a product directory: <c>product.yaml</c> and every sub-folder holding a <c>service.yaml</c>.
/// <code>
/// # product.yaml
/// name: private-deploy-sample
/// version: 1.2.0                        # SemVer
/// target: hosts                         # hosts | kubernetes (optional)
/// osRelease: debian,centos,bclinux      # optional; the version.json syntax
/// values: { base_dir: /opt/sample }     # product defaults (lowest layer)
/// addons: [monitor]                     # optional: must name add-on services
/// middleware: [redis, mariadb]          # optional: must name middleware services
///
/// # gateway/service.yaml
/// kind: app                             # app | middleware | addon
/// version: 1.0.0
/// dependsOn: [redis]
/// placement: { roles: [app], labels: { zone: a }, replicas: 2 }     # replicas: all
/// values: { port: 8081 }
/// configs: [ { source: templates/app.conf, target: "{{ base_dir }}/gateway/app.conf", mode: "0640" } ]
/// hooks:
///   install: { command: ./init.sh, timeout: 30s }
///   test: { command: ./test.sh, timeout: 1m }                        # also: upgrade, reset, delete
/// needs: { cpu: 0.5, memory: 128Mi, disk: { /opt/sample: 50Mi }, ports: [8081], commands: [python3] }
/// component:                            # the sequence engine's component (files and services on hosts)
///   restartEvent: Component
///   files: [ { source: app, target: /opt/sample/gateway/app, mode: "0755" } ]
///   services: [ { type: Runtime, command: "exec python3 app.py --port {{ port }}", workingDirectory: /opt/sample/gateway/app } ]
/// kubernetes: { namespace: sample, manifests: [k8s/deployment.yaml] }
/// </code>
/// Errors are <see cref="DeployErrorCode.InvalidConfiguration"/> naming the file, line and field, or
/// <see cref="DeployErrorCode.DependencyMissing"/> / <see cref="DeployErrorCode.DependencyCycle"/> /
/// <see cref="DeployErrorCode.UnknownService"/> naming the service.
/// </summary>
public static class ProductLoader
{
    /// <summary>The product file name.</summary>
    public const string ProductFile = "product.yaml";

    /// <summary>The service file name in each service folder.</summary>
    public const string ServiceFile = "service.yaml";

    private static readonly string[] TopFields = ["name", "version", "target", "osRelease", "values", "addons", "middleware"];

    /// <summary>Reads and validates the product in <paramref name="directory"/>, computing each service's digest.</summary>
    public static async Task<ProductDefinition> LoadAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var dir = Path.GetFullPath(directory);
        var productFile = Path.Combine(dir, ProductFile);
        if (!File.Exists(productFile))
        {
            throw new DeployException(DeployErrorCode.LocalPathNotFound, $"'{dir}' is not a product: it has no {ProductFile}.") { Path = productFile };
        }

        var r = YamlNodeReader.Parse(await File.ReadAllTextAsync(productFile, cancellationToken).ConfigureAwait(false), productFile);
        var root = r.Mapping(r.Root ?? throw new DeployException(DeployErrorCode.InvalidConfiguration, $"{productFile} is empty; a product needs a name and a version.") { Path = productFile }, "(top level)");
        r.CheckFields(root, "", TopFields);
        var name = r.RequiredString(YamlNodes.Get(root, "name") ?? throw r.Error(root, "name", "required."), "name");
        var version = ServiceYamlParser.Version(r, YamlNodes.Get(root, "version") ?? throw r.Error(root, "version", "required: a SemVer version such as 1.2.0."), "version");

        var services = new List<ServiceDefinition>();
        foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
        {
            var serviceFile = Path.Combine(sub, ServiceFile);
            if (!File.Exists(serviceFile))
            {
                if (File.Exists(Path.Combine(sub, "service.yml")))
                {
                    throw new DeployException(DeployErrorCode.InvalidConfiguration, $"'{sub}' has service.yml; name it {ServiceFile}.") { Path = sub };
                }

                continue;
            }

            var text = await File.ReadAllTextAsync(serviceFile, cancellationToken).ConfigureAwait(false);
            var service = ServiceYamlParser.Parse(text, Path.GetFileName(sub), sub, serviceFile);
            services.Add(service with { Digest = await ServiceDigest.ComputeAsync(sub, cancellationToken).ConfigureAwait(false) });
        }

        var product = new ProductDefinition(name, version)
        {
            Directory = dir,
            SourceFile = productFile,
            Target = YamlNodes.Get(root, "target") is { } t ? r.Enum<ProductTargetKind>(t, "target") : ProductTargetKind.Hosts,
            OsRelease = r.StringList(YamlNodes.Get(root, "osRelease"), "osRelease"),
            Values = r.Values(YamlNodes.Get(root, "values"), "values"),
            Services = services,
        };
        CheckKindList(r, root, "addons", ProductServiceKind.Addon, product);
        CheckKindList(r, root, "middleware", ProductServiceKind.Middleware, product);
        ServiceOrder.Validate(product);
        return product;
    }

    private static void CheckKindList(YamlNodeReader r, YamlDotNet.RepresentationModel.YamlMappingNode root, string field, ProductServiceKind kind, ProductDefinition product)
    {
        foreach (var node in r.Sequence(YamlNodes.Get(root, field), field))
        {
            var name = r.RequiredString(node, field);
            var service = product.Services.FirstOrDefault(s => s.Name == name)
                ?? throw r.Error(node, field, $"'{name}' is not a service folder of the product (services: {string.Join(", ", product.Services.Select(s => s.Name))}).", DeployErrorCode.UnknownService);
            if (service.Kind != kind)
            {
                throw r.Error(node, field, $"'{name}' is listed under {field} but its service.yaml says kind: {service.Kind.ToString().ToLowerInvariant()}.");
            }
        }
    }
}
