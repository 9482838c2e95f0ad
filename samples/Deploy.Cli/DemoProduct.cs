using System.Globalization;
using Deploy.Core.Hosts;

namespace Deploy.Cli;

/// <summary>The demo's product, written at run time: <c>store</c> (middleware) &lt;- <c>api</c> &lt;- <c>web</c>, each a
/// small shell service that reads its rendered config, writes its status and stays up, with a test hook. Its commands
/// use only paths relative to their working directory (see <see cref="LifecycleDemo"/>).</summary>
internal static class DemoProduct
{
    private static readonly string[] Services = ["store", "api", "web"];

    public static async Task<string> WriteAsync(string dir, string version, OsRelease os, bool upgraded, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var ids = string.Join(',', new[] { os.Id }.Concat(os.IdLike).Where(i => i.Length > 0).Distinct());
        await File.WriteAllTextAsync(Path.Combine(dir, "product.yaml"), $"name: demo-shop\nversion: {version}\ntarget: hosts\nosRelease: {ids}\nvalues: {{ base_dir: /opt/demo-shop, greeting: hello }}\n", ct).ConfigureAwait(false);
        foreach (var s in Services)
        {
            var sd = Path.Combine(dir, s);
            Directory.CreateDirectory(Path.Combine(sd, "app"));
            Directory.CreateDirectory(Path.Combine(sd, "templates"));
            var apiUpgraded = upgraded && s == "api";
            await File.WriteAllTextAsync(Path.Combine(sd, "app", "run.sh"), "#!/bin/sh\n# reads its config, says who it is, stays up\nset -eu\n. ./app.conf\necho \"$$ $name $version $greeting workers=$workers\" > status\nexec sleep 86400\n", ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(sd, "app", "test.sh"), "#!/bin/sh\n# passes when the service wrote its status and its process is alive\nset -eu\nread -r pid rest < status\nkill -0 \"$pid\"\necho \"ok: $rest\"\n", ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(sd, "templates", "app.conf"),
                "# {{ service.name }} on {{ host.name }}\nworkers=2\nname={{ service.name }}\ngreeting=\"{{ greeting }}\"\nversion={{ service.version }}\n" + (apiUpgraded ? "timeout=30\n" : ""), ct).ConfigureAwait(false);
            var kind = s == "store" ? "middleware" : "app";
            var depends = s switch { "api" => "[store]", "web" => "[api]", _ => "[]" };
            var role = s == "store" ? "data" : "app";
            await File.WriteAllTextAsync(Path.Combine(sd, "service.yaml"), $$$"""
                kind: {{{kind}}}
                version: {{{(apiUpgraded ? "1.1.0" : "1.0.0")}}}
                dependsOn: {{{depends}}}
                placement: { roles: [{{{role}}}] }
                configs:
                  - { source: templates/app.conf, target: "{{ base_dir }}/{{{s}}}/app.conf", mode: "0640" }
                hooks:
                  test: { command: "sh app/test.sh", workingDirectory: "{{ base_dir }}/{{{s}}}", timeout: 30s }
                component:
                  files:
                    - { source: app, target: "{{ base_dir }}/{{{s}}}/app" }
                  services:
                    - { type: Runtime, command: "exec sh app/run.sh", workingDirectory: "{{ base_dir }}/{{{s}}}" }

                """, ct).ConfigureAwait(false);
        }

        return dir;
    }

    public static string WriteInventory(string sandbox)
    {
        var path = Path.Combine(sandbox, "_build", "inventory.yaml");
        var lines = new List<string> { "# three sandboxed local hosts: each a folder that stands for its root directory", "hosts:" };
        for (var i = 1; i <= 3; i++)
        {
            var root = Path.Combine(sandbox, "node-" + i.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(root);
            lines.Add($"  node-{i}: {{ connection: local, root: \"{root}\", labels: {{ role: {(i == 1 ? "data" : "app")} }} }}");
        }

        File.WriteAllLines(path, lines);
        return path;
    }

    public static string HostPath(string sandbox, string host, string path) => Path.Combine(sandbox, host) + path;

    public static async Task<string> PidAsync(string sandbox, LifecycleSession session, string service, CancellationToken ct)
    {
        var host = session.Input.Schedule.HostsOf(service)[0];
        var status = await File.ReadAllTextAsync(HostPath(sandbox, host, $"/opt/demo-shop/{service}/status"), ct).ConfigureAwait(false);
        return status.Split(' ')[0];
    }
}
