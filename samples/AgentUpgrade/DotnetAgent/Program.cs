using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Deploy.Core.Hosts;
using Deploy.Packaging.Agents;
using Deploy.Packaging.Signing;

// The sample .NET agent (samples/AgentUpgrade). Both verbs take: --app DIR --port N --feed URL --trust PEM.
//   run     the agent: GET /health ("ok <version>"), GET /version, POST /update (starts the detached helper: 202 + pid)
//   update  one pull update of DIR (the helper, and the first install); the agent runs as a process-supervisor service
if (args.Length < 1 || args[0] is not ("run" or "update"))
{
    Console.Error.WriteLine("usage: DotnetAgent run|update --app DIR --port N --feed URL --trust PEM");
    return 2;
}

var options = Options.Parse(args.AsSpan(1));
return args[0] == "run" ? await Agent.RunAsync(options) : await Agent.UpdateAsync(options);

internal sealed record Options(string App, int Port, Uri Feed, string Trust)
{
    public static Options Parse(ReadOnlySpan<string> args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i]] = args[i + 1];
        }

        return new Options(Path.GetFullPath(map["--app"]), int.Parse(map["--port"], CultureInfo.InvariantCulture), new Uri(map["--feed"]), Path.GetFullPath(map["--trust"]));
    }

    public string[] Argv => ["--app", App, "--port", Port.ToString(CultureInfo.InvariantCulture), "--feed", Feed.ToString(), "--trust", Trust];
}

internal static class Agent
{
    private static readonly string Version = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "VERSION")).Trim();

    /// <summary>Serves the agent's endpoints with Kestrel. (The BCL's managed <c>HttpListener</c> crashes in
    /// <c>Start</c> when a client connects while it starts, dotnet/corefx#35191, and the update's health check does
    /// exactly that: it polls the port from the moment the new release starts.)</summary>
    public static async Task<int> RunAsync(Options options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        await using var app = builder.Build();
        app.MapGet("/health", () => File.Exists(Path.Combine(AppContext.BaseDirectory, "BROKEN"))
            ? Results.Text("broken " + Version + "\n", statusCode: 503)
            : Results.Text("ok " + Version + "\n"));
        app.MapGet("/version", () => Results.Text(Version + "\n"));
        app.MapPost("/update", async () => Results.Text((await StartHelperAsync(options)).ToString(CultureInfo.InvariantCulture) + "\n", statusCode: 202));
        await app.StartAsync();
        Console.WriteLine($"DotnetAgent {Version} (pid {Environment.ProcessId}) on 127.0.0.1:{options.Port}");
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>This very executable, from the release running now, as the detached helper.</summary>
    private static Task<int> StartHelperAsync(Options options)
        => AgentSelfUpdate.StartDetachedHelperAsync([Environment.ProcessPath!, typeof(Agent).Assembly.Location, "update", .. options.Argv], Path.Combine(options.App, "helper.log"));

    public static async Task<int> UpdateAsync(Options options)
    {
        var service = CommandLine.Join(["exec", Environment.ProcessPath!, "DotnetAgent.dll", "run", .. options.Argv]);
        await using var updater = new AgentUpdater(new AgentUpdateOptions
        {
            Feed = options.Feed,
            AppDirectory = options.App,
            TrustedKeys = [await TrustedKey.LoadAsync(options.Trust)],
            Service = new AgentService(service),
            // A generous commit window: a .NET start on a loaded machine takes seconds; the check ends at the first 2xx.
            HealthCheck = AgentHealthCheck.Http(new Uri($"http://127.0.0.1:{options.Port}/health"), TimeSpan.FromSeconds(90)) with { Interval = TimeSpan.FromMilliseconds(100) },
        });
        var result = await updater.RunOnceAsync();
        Console.WriteLine($"helper pid {Environment.ProcessId}: {result.Outcome.Kind}: {result.Outcome.Message}");
        return result.Outcome.Kind is AgentOutcomeKind.Updated or AgentOutcomeKind.UpToDate ? 0 : 3;
    }
}
