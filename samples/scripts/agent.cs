#!/usr/bin/env -S dotnet run
// Agent self-upgrade (pull) as a script: publish two versions of an agent to a signed feed served over HTTP on
// 127.0.0.1, update an app folder to the newest, then publish a broken version that fails its health check and is
// rolled back (and marked bad, so it is not retried).
// Run: dotnet pack -o ../../artifacts (once, at the repository root), then: dotnet run agent.cs
#:package Deploy.Core@0.1.0
#:package Deploy.Packaging@0.1.0
using System.Net;
using System.Security.Cryptography;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Building;
using Deploy.Packaging.Signing;

var work = Directory.CreateTempSubdirectory("deploy-script-agent-").FullName;
var feed = Path.Combine(work, "feed");
var app = Path.Combine(work, "app");
using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var publisher = new FeedPublisher(new FeedPublishOptions { FeedDirectory = feed, SigningKey = key });
var os = (await new LocalHost().GetOsReleaseAsync()).Id;

// The feed is a plain folder; any HTTP server serves it. Here: HttpListener on a free loopback port.
var port = Random.Shared.Next(20000, 40000);
using var http = new HttpListener();
http.Prefixes.Add($"http://127.0.0.1:{port}/");
http.Start();
_ = Task.Run(async () =>
{
    while (http.IsListening)
    {
        var context = await http.GetContextAsync();
        var file = Path.Combine(feed, context.Request.Url!.AbsolutePath.TrimStart('/'));
        context.Response.StatusCode = File.Exists(file) ? 200 : 404;
        if (File.Exists(file))
        {
            await using var body = File.OpenRead(file);
            context.Response.ContentLength64 = body.Length;
            await body.CopyToAsync(context.Response.OutputStream);
        }

        context.Response.Close();
    }
});

async Task PublishAsync(string version, bool healthy)
{
    var build = Path.Combine(work, "build", version);
    Directory.CreateDirectory(Path.Combine(build, "package"));
    File.WriteAllText(Path.Combine(build, "version.json"), $$"""{"package_name": "demo_agent_{{version}}", "package_type": "install_update_agent", "os_release": "centos,bclinux,{{os}}"}""");
    File.WriteAllText(Path.Combine(build, "package", "VERSION"), version + "\n");
    if (healthy)
    {
        File.WriteAllText(Path.Combine(build, "package", "healthy"), "");
    }

    var built = await (await PackageBuilder.FromDirectoryAsync(build)).SignWith(key).BuildToDirectoryAsync(Path.Combine(work, "dist"));
    await publisher.PublishAsync(built.OutputPath!, version);
}

async Task UpdateAsync()
{
    await using var updater = new AgentUpdater(new AgentUpdateOptions
    {
        Feed = new Uri($"http://127.0.0.1:{port}/"),
        AppDirectory = app,
        TrustedKeys = [TrustedKey.FromKey(key)],
        RestartCommand = ["/bin/true"],                                                // a real agent restarts its service here
        HealthCheck = AgentHealthCheck.Run(["test", "-f", "healthy"], TimeSpan.FromSeconds(3)),   // run in current/
    });
    var result = await updater.RunOnceAsync();
    Console.WriteLine($"{result.Outcome.Kind}: {result.Outcome.Message}");
}

try
{
    await PublishAsync("1.0.0", healthy: true);
    await PublishAsync("1.1.0", healthy: true);
    await UpdateAsync();
    await PublishAsync("1.2.0", healthy: false);
    await UpdateAsync();
    await UpdateAsync();
    Console.WriteLine($"running: {File.ReadAllText(Path.Combine(app, "current", "VERSION")).Trim()}");
}
finally
{
    http.Stop();
    Directory.Delete(work, recursive: true);
}
