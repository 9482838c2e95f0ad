using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Hosts;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Testing.Hosts;

namespace Deploy.Core.Tests.Lifecycle;

/// <summary>
/// A small product of the sample's shape, written per test: <c>db</c> (middleware) &lt;- <c>api</c> &lt;- <c>web</c>,
/// each a real HTTP process (the sample's app.py) with a rendered config, install/test/delete hooks; db on
/// <c>debian</c>, api on <c>centos</c> and <c>bclinux</c>, web on <c>centos</c>. Names and ports differ per test so
/// tests sharing the hosts never meet.
/// </summary>
public sealed class ShopProduct
{
    public static readonly string[] Services = ["db", "api", "web"];

    public ShopProduct(string directory, string name, int portBase)
    {
        Directory = directory;
        Name = name;
        PortBase = portBase;
    }

    public string Directory { get; }

    public string Name { get; }

    public int PortBase { get; }

    public string BaseDir => "/opt/" + Name;

    public int Port(string service) => PortBase + Array.IndexOf(Services, service);

    public static string SampleApp()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!System.IO.Directory.Exists(Path.Combine(dir!.FullName, "samples", "PrivateDeploy")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir.FullName, "samples", "PrivateDeploy", "product", "gateway", "app");
    }

    /// <summary>Writes the product; <paramref name="hooks"/> adds hook lines per service.</summary>
    public static async Task<ShopProduct> WriteAsync(string directory, string name, int portBase, IReadOnlyDictionary<string, string>? hooks = null)
    {
        var p = new ShopProduct(directory, name, portBase);
        System.IO.Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "product.yaml"), $"name: {name}\nversion: 1.0.0\nvalues: {{ base_dir: {p.BaseDir}, log_level: info }}\n");
        foreach (var s in Services)
        {
            var dir = Path.Combine(directory, s);
            System.IO.Directory.CreateDirectory(Path.Combine(dir, "templates"));
            System.IO.Directory.CreateDirectory(Path.Combine(dir, "app"));
            foreach (var f in new[] { "app.py", "test.sh" })
            {
                File.Copy(Path.Combine(SampleApp(), f), Path.Combine(dir, "app", f), overwrite: true);
            }

            await File.WriteAllTextAsync(Path.Combine(dir, "templates", "app.conf"),
                "# {{ service.name }} on {{ host.name }}\nname={{ service.name }}\nversion={{ service.version }}\nbind={{ host.address }}\nport={{ port }}\nlog_level={{ log_level }}\ntoken={{ secret \"shop_token\" }}\n");
            var kind = s == "db" ? "middleware" : "app";
            var depends = s switch { "api" => "[db]", "web" => "[api]", _ => "[]" };
            var extra = hooks is not null && hooks.TryGetValue(s, out var h) ? h : "";
            var yaml = """
                kind: @KIND@
                version: 1.0.0
                dependsOn: @DEPENDS@
                values: { port: @PORT@ }
                configs:
                  - { source: templates/app.conf, target: "{{ base_dir }}/@S@/app.conf", mode: "0640" }
                hooks:
                  install: { command: "echo installed >> {{ base_dir }}/@S@/installed", timeout: 30s }
                  test: { command: "sh {{ base_dir }}/@S@/app/test.sh {{ host.address }} {{ port }} && test ! -e {{ base_dir }}/@S@/broken", timeout: 30s }
                @EXTRA@
                component:
                  files:
                    - { source: app, target: "{{ base_dir }}/@S@/app" }
                  services:
                    - { type: Runtime, command: "exec python3 {{ base_dir }}/@S@/app/app.py {{ base_dir }}/@S@/app.conf", workingDirectory: "{{ base_dir }}/@S@" }

                """;
            await File.WriteAllTextAsync(Path.Combine(dir, "service.yaml"), yaml.Replace("@KIND@", kind).Replace("@DEPENDS@", depends).Replace("@PORT@", p.Port(s).ToString(System.Globalization.CultureInfo.InvariantCulture)).Replace("@S@", s).Replace("@EXTRA@", extra));
        }

        return p;
    }

    public Task<ProductDefinition> LoadAsync() => ProductLoader.LoadAsync(Directory);

    public Schedule Schedule => new(Name,
    [
        new ScheduledService("api", ["bclinux", "centos"]),
        new ScheduledService("db", ["debian"]),
        new ScheduledService("web", ["centos"]),
    ]);

    public async Task<LifecycleInput> InputAsync() => new(await LoadAsync(), Schedule);

    /// <summary>A backend on fresh connections (as another machine would have).</summary>
    public static HostsBackend Backend(IsolatedHosts hosts, string product, List<IHost> opened, HostsBackendOptions? options = null) =>
        new(product, hosts.Hosts.ToDictionary(h => h.Name, h =>
        {
            var host = h.CreateHost();
            opened.Add(host);
            return ((IHost)host, new RenderHost(h.Name, h.Address));
        }), options);

    /// <summary>The pids of this product's app processes on <paramref name="host"/>, by service.</summary>
    public async Task<Dictionary<string, string>> PidsAsync(IHost host)
    {
        var r = await host.RunAsync(CommandSpec.Of("ps", "-eo", "pid=,args="));
        return r.StandardOutput.Split('\n')
            .Select(l => l.Trim().Split(' ', 2))
            .Where(p => p.Length == 2 && p[1].Contains($"{BaseDir}/", StringComparison.Ordinal) && p[1].Contains("app.py", StringComparison.Ordinal) && p[1].StartsWith("python3", StringComparison.Ordinal))
            .ToDictionary(p => p[1].Split('/')[3], p => p[0]);
    }
}
