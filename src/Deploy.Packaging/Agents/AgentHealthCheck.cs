using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Services;

namespace Deploy.Packaging.Agents;

/// <summary>
/// How a restarted agent proves it works: an HTTP endpoint answering 2xx, or a command (run in <c>current</c>)
/// exiting 0, at least once within <see cref="Window"/> (the commit window). Until then the update is not committed;
/// when the window closes first the update is rolled back.
/// </summary>
public sealed record AgentHealthCheck
{
    /// <summary>The endpoint to GET; <c>null</c> when a command is used.</summary>
    public Uri? Url { get; init; }

    /// <summary>The command (argv) to run in <c>current</c>; <c>null</c> when a URL is used.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>The commit window. <value>The default is 30 seconds.</value></summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest pause between attempts: the first pauses are shorter (25 ms, doubling up to this), so an
    /// agent that is healthy a moment after its restart is not kept waiting a whole interval (a push pays this once
    /// per host). <value>The default is 250 milliseconds.</value></summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A check of <paramref name="url"/>.</summary>
    public static AgentHealthCheck Http(Uri url, TimeSpan? window = null) => new() { Url = url, Window = window ?? TimeSpan.FromSeconds(30) };

    /// <summary>A check by <paramref name="command"/>.</summary>
    public static AgentHealthCheck Run(IReadOnlyList<string> command, TimeSpan? window = null) => new() { Command = command, Window = window ?? TimeSpan.FromSeconds(30) };

    /// <summary>How often, while the check fails, the supervised service (when there is one) is asked whether its
    /// process still runs.</summary>
    private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(1);

    /// <summary>Polls until healthy; throws <see cref="DeployErrorCode.HealthCheckFailed"/> with the last answer when
    /// the window closes first. With <paramref name="status"/> (the agent's supervised process) it also throws as soon
    /// as that process has exited, with its exit code and log, and says at the window's end whether it still runs.</summary>
    internal async Task WaitHealthyAsync(IHost host, string currentDirectory, HttpClient http, TimeProvider time, CancellationToken cancellationToken, Func<CancellationToken, Task<ServiceStatus>>? status = null)
    {
        var start = time.GetTimestamp();
        var statusAsked = start;
        var last = "no attempt finished";
        var attempts = 0;
        do
        {
            attempts++;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(Window < TimeSpan.FromSeconds(10) ? Window : TimeSpan.FromSeconds(10));
            try
            {
                if (Url is { } url)
                {
                    using var response = await http.GetAsync(url, attempt.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }

                    last = $"GET {url} answered {(int)response.StatusCode}";
                }
                else if (Command is { Count: > 0 } command)
                {
                    var result = await host.RunAsync(new CommandSpec(command) { WorkingDirectory = currentDirectory, Timeout = TimeSpan.FromSeconds(10) }, attempt.Token).ConfigureAwait(false);
                    if (result.Succeeded)
                    {
                        return;
                    }

                    last = $"{result.Command} exited {result.ExitCode}: {Tail(result.StandardError + result.StandardOutput)}";
                }
                else
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or DeployException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                last = e.Message;
            }

            if (status is not null && time.GetElapsedTime(statusAsked) >= StatusInterval)
            {
                statusAsked = time.GetTimestamp();
                if (await status(cancellationToken).ConfigureAwait(false) is { Running: false } exited)
                {
                    throw Failed(host, $"The new version's process exited ({Exit(exited)}) {time.GetElapsedTime(start).TotalSeconds:0.#} s after its start, before it was healthy ({attempts} attempts; last: {last}){Log(exited)}.");
                }
            }

            var pause = TimeSpan.FromMilliseconds(Math.Min(Interval.TotalMilliseconds, 25 << Math.Min(attempts - 1, 10)));
            if (time.GetElapsedTime(start) + pause >= Window)
            {
                break;
            }

            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
        }
        while (time.GetElapsedTime(start) < Window);

        var process = status is null ? "" : await status(cancellationToken).ConfigureAwait(false) is { Running: false } gone
            ? $"; its process exited ({Exit(gone)}){Log(gone)}"
            : "; its process still runs";
        throw Failed(host, $"The new version was not healthy within the commit window of {Window.TotalSeconds:0.#} s ({attempts} attempts); last: {last}{process}.");
    }

    private DeployException Failed(IHost host, string message) => new(DeployErrorCode.HealthCheckFailed, message)
    {
        Host = host.Name,
        Path = Url?.ToString(),
    };

    private static string Exit(ServiceStatus status) => status.ExitCode is { } code ? "exit " + code.ToString(System.Globalization.CultureInfo.InvariantCulture) : "exit code unknown";

    /// <summary>The log's last lines (up to 2,000 characters): a crash's message sits above its stack trace.</summary>
    private static string Log(ServiceStatus status) => status.LogTail.Length == 0 ? "" : "; its log ends: " + Tail(status.LogTail, 2000);

    /// <summary>The last <paramref name="max"/> characters of <paramref name="text"/>, trimmed.</summary>
    private static string Tail(string text, int max = 300) => (text.Length <= max ? text : text[^max..]).Trim();
}
