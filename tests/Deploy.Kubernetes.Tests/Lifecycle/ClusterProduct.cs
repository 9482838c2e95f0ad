using System.Text.Json.Nodes;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Kubernetes.Lifecycle;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>
/// A small product for the cluster, written per test in a version folder: <c>db</c> (middleware: a StatefulSet with
/// a config and a reset hook) &lt;- <c>api</c> (app: a Deployment, a Service, a config with a generated secret, a test
/// hook). Each knob changes one thing between versions.
/// </summary>
internal sealed record ClusterProduct(string Version)
{
    public string ApiImage { get; init; } = "registry.local/api:" + "1.0";

    public string ApiAnnotations { get; init; } = "{}";

    public string ApiConfigExtra { get; init; } = "";

    public int Replicas { get; init; } = 2;

    public string DbImage { get; init; } = "registry.local/mariadb:10.11";

    public bool WithApiService { get; init; } = true;

    public string ApiTest { get; init; } = "echo api answers on port 8080";

    public async Task<ProductDefinition> WriteAsync(string root)
    {
        var dir = Path.Combine(root, Version);
        await File.WriteAllTextAsync(Path.Combine(Created(dir), "product.yaml"), $"name: shop\nversion: {Version}\nvalues: {{ log_level: info }}\n");
        var api = Created(Path.Combine(dir, "api"));
        await File.WriteAllTextAsync(Path.Combine(Created(Path.Combine(api, "templates")), "app.conf"),
            "# api\nport={{ port }}\nlog_level={{ log_level }}\ntoken={{ secret \"api_token\" }}\n" + ApiConfigExtra);
        await File.WriteAllTextAsync(Path.Combine(api, "service.yaml"), $$"""
            kind: app
            version: {{Version}}
            dependsOn: [db]
            values: { port: 8080 }
            configs:
              - { source: templates/app.conf, target: /etc/api/app.conf }
            hooks:
              test: { command: "{{ApiTest}}", timeout: 30s }
            kubernetes:
              manifests: [k8s/api.yaml]
            """);
        await File.WriteAllTextAsync(Path.Combine(Created(Path.Combine(api, "k8s")), "api.yaml"), $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api, annotations: {{ApiAnnotations}}}
            spec:
              replicas: {{Replicas}}
              selector: {matchLabels: {app: api} }
              template:
                metadata: {labels: {app: api} }
                spec:
                  containers:
                  - name: api
                    image: {{ApiImage}}
                    command: [sleep, "3600"]
                    volumeMounts: [{name: config, mountPath: /etc/api}]
                  volumes: [{name: config, configMap: {name: api-config} }]
            """ + (WithApiService ? """

            ---
            apiVersion: v1
            kind: Service
            metadata: {name: api}
            spec: {selector: {app: api}, ports: [{port: 8080}]}
            """ : ""));
        var db = Created(Path.Combine(dir, "db"));
        await File.WriteAllTextAsync(Path.Combine(Created(Path.Combine(db, "templates")), "my.cnf"), "[mysqld]\nport=3306\n");
        await File.WriteAllTextAsync(Path.Combine(db, "service.yaml"), $$"""
            kind: middleware
            version: {{Version}}
            configs:
              - { source: templates/my.cnf, target: /etc/mysql/my.cnf }
            hooks:
              reset: { command: "echo wiping db data; echo re-initialised", timeout: 30s }
            kubernetes:
              manifests: [k8s/db.yaml]
            """);
        await File.WriteAllTextAsync(Path.Combine(Created(Path.Combine(db, "k8s")), "db.yaml"), $$"""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              replicas: 1
              serviceName: db
              selector: {matchLabels: {app: db} }
              template:
                metadata: {labels: {app: db} }
                spec: {containers: [{name: db, image: "{{DbImage}}", command: [sleep, "3600"]}] }
              volumeClaimTemplates:
              - metadata: {name: data}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi} } }
            """);
        return await ProductLoader.LoadAsync(dir);
    }

    public static LifecycleInput Input(KubernetesBackend backend, ProductDefinition product, ProductDefinition? previous = null) =>
        new(product, backend.Schedule(product)) { Previous = previous };

    public static JsonObject Node(string name, string cpu, string memory) => (JsonObject)JsonNode.Parse($$"""
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "{{name}}"},
         "status": {"allocatable": {"cpu": "{{cpu}}", "memory": "{{memory}}"},
                    "nodeInfo": {"osImage": "Debian GNU/Linux 12 (bookworm)"},
                    "conditions": [{"type": "Ready", "status": "True"}]} }
        """)!;

    private static string Created(string dir)
    {
        Directory.CreateDirectory(dir);
        return dir;
    }
}
