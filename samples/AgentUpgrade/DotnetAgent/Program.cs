using System.Globalization;
using System.Net;
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

    public static async Task<int> RunAsync(Options options)
    {
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{options.Port}/");
        listener.Start();
        Console.WriteLine($"DotnetAgent {Version} (pid {Environment.ProcessId}) on 127.0.0.1:{options.Port}");
        while (true)
        {
            var context = await listener.GetContextAsync();
            var (status, text) = context.Request.Url!.AbsolutePath switch
            {
                "/health" when !File.Exists(Path.Combine(AppContext.BaseDirectory, "BROKEN")) => (200, "ok " + Version),
                "/health" => (503, "broken " + Version),
                "/version" => (200, Version),
                "/update" when context.Request.HttpMethod == "POST" => (202, (await StartHelperAsync(options)).ToString(CultureInfo.InvariantCulture)),
                _ => (404, "not found"),
            };
            var body = System.Text.Encoding.UTF8.GetBytes(text + "\n");
            context.Response.StatusCode = status;
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
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
