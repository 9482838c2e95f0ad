using System.Diagnostics;
using System.Globalization;
using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>Runs a rendered hook on its host through <c>lifecycle-run-hook.sh</c>: TERM to the hook's process group at
/// its timeout, KILL after the grace period; output lines redacted and passed on as they come. The
/// <see cref="HookKind.Ready"/> probe runs inside <see cref="ReadyPoll"/>, under the same limit.</summary>
internal static class HostHookRunner
{
    /// <summary>
    /// The readiness poll, a constant command line given the probe (<c>$1</c>) and the interval in milliseconds
    /// (<c>$2</c>) as arguments: the probe again after each failed attempt until it exits 0. The waits start at 50 ms and
    /// double up to the interval (a process that takes 100 ms to listen is seen ready at about 150 ms, not 300), so a
    /// slow service is still probed only once per interval. At the limit's TERM it prints the last failed attempt's
    /// output (what says why the service is not ready) and exits 124: the output of the last attempt that ended on its
    /// own (<c>o</c>), not of the one the TERM cut short; that one's (<c>r</c>) only when no attempt ended.
    /// </summary>
    internal const string ReadyPoll = "o=; r=; d=50; trap '[ -n \"$o\" ] || o=$r; [ -z \"$o\" ] || printf \"%s\\n\" \"$o\"; exit 124' TERM; until r=$(/bin/sh -c \"$1\" 2>&1); do o=$r; [ \"$d\" -lt \"$2\" ] || d=$2; sleep \"$((d / 1000)).$(printf %03d $((d % 1000)))\"; d=$((d * 2)); done";

    private static readonly HostScript RunHookScript = HostScript.FromResource(typeof(HostHookRunner).Assembly, "lifecycle-run-hook.sh");

    public static async Task<HookResult> RunAsync(IHost host, RenderedService service, HookKind kind, TimeSpan killGrace, TimeSpan readyInterval, Action<string>? output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var hook = service.Hooks.TryGetValue(kind, out var h) ? h : throw new DeployException(DeployErrorCode.InvalidArgument, $"Service '{service.Service.Name}' has no {kind.ToString().ToLowerInvariant()} hook.") { Service = service.Service.Name };
        var text = new StringBuilder();
        var redact = new RenderedText("", service.Secrets);
        var sw = Stopwatch.StartNew();
        var grace = killGrace;
        var spec = new CommandSpec(["sh"])
        {
            // The script stops the hook (TERM, then KILL after the grace period); the transport's own limit is the backstop.
            Timeout = hook.Timeout + grace + TimeSpan.FromSeconds(30),
            WorkingDirectory = hook.WorkingDirectory,
            Secrets = service.Secrets,
            CaptureOutput = false,
            OnOutput = line =>
            {
                var l = redact.Redact(line.Text);
                lock (text)
                {
                    text.Append(l).Append('\n');
                }

                output?.Invoke(l);
            },
        };
        var name = kind.ToString().ToLowerInvariant();
        try
        {
            string[] args = kind == HookKind.Ready
                ? [Seconds(hook.Timeout), Seconds(grace), ReadyPoll, hook.Command, Math.Max(1, (long)readyInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]
                : [Seconds(hook.Timeout), Seconds(grace), hook.Command];
            var r = await host.RunScriptAsync(RunHookScript, args, spec, cancellationToken).ConfigureAwait(false);
            var stop = sw.Elapsed >= hook.Timeout ? r.ExitCode switch { 124 => HookStop.Terminated, 137 => HookStop.Killed, _ => HookStop.None } : HookStop.None;
            if (stop == HookStop.None)
            {
                return new HookResult(service.Service.Name, service.Host, kind, r.ExitCode, false, text.ToString(), sw.Elapsed);
            }

            // The ready probe's output is its last failed attempt's; the settle watch says what its timeout means.
            if (kind != HookKind.Ready)
            {
                text.Append(stop == HookStop.Terminated
                    ? $"stopped: the {name} hook ran past its timeout of {hook.Timeout} and ended on TERM\n"
                    : $"killed: the {name} hook ran past its timeout of {hook.Timeout}, ignored TERM for {grace} and was killed (KILL)\n");
            }
            return new HookResult(service.Service.Name, service.Host, kind, -1, true, text.ToString(), sw.Elapsed) { Stop = stop };
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.Timeout)
        {
            text.Append(CultureInfo.InvariantCulture, $"killed: the {name} hook ran past its timeout of {hook.Timeout} and was killed (KILL)\n");
            return new HookResult(service.Service.Name, service.Host, kind, -1, true, text.ToString(), sw.Elapsed) { Stop = HookStop.Killed };
        }
    }

    private static string Seconds(TimeSpan t) => Math.Max(0.001, t.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
}
