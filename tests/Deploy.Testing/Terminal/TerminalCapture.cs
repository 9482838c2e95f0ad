using System.Diagnostics;
using System.Globalization;

namespace Deploy.Testing.Terminal;

/// <summary>
/// Runs a command in a real terminal: a detached <c>tmux</c> session on its own server socket, 160x50, with
/// <c>TERM=xterm-256color</c> and CI variables removed (terminal UIs turn live output off under CI). The screen is read
/// with <c>capture-pane</c> every 100 ms until the command ends; the last frame is read after it exits.
/// </summary>
public static class TerminalCapture
{
    private static readonly char[] SpinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

    /// <summary>Whether a screen shows one of the braille spinner frames.</summary>
    public static bool HasSpinner(string frame) => frame.IndexOfAny(SpinnerFrames) >= 0;

    /// <summary>Runs <paramref name="argv"/> under tmux and returns every distinct frame, the last one and the exit code.</summary>
    public static async Task<TerminalScreens> RunAsync(string workDirectory, IReadOnlyList<string> argv, TimeSpan timeout)
    {
        Directory.CreateDirectory(workDirectory);
        var socket = Path.Combine(workDirectory, "tmux.sock");
        var exitFile = Path.Combine(workDirectory, "exit-code");
        var script = Path.Combine(workDirectory, "run.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nunset CI GITHUB_ACTIONS TF_BUILD BUILD_BUILDID\nexport TERM=xterm-256color\n"
            + string.Join(' ', argv.Select(Quote)) + "\necho $? > " + Quote(exitFile) + "\nsleep 600\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await TmuxAsync(socket, "new-session", "-d", "-x", "160", "-y", "50", "-s", "t", script);
        var frames = new List<string>();
        var clock = Stopwatch.StartNew();
        try
        {
            while (!File.Exists(exitFile) || new FileInfo(exitFile).Length == 0)
            {
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"'{string.Join(' ', argv)}' did not finish within {timeout} in tmux; last screen:\n{frames.LastOrDefault()}");
                }

                var frame = await TmuxAsync(socket, "capture-pane", "-p", "-t", "t");
                if (frames.Count == 0 || frames[^1] != frame)
                {
                    frames.Add(frame);
                }

                await Task.Delay(100);
            }

            var last = await TmuxAsync(socket, "capture-pane", "-p", "-t", "t", "-S", "-200");
            frames.Add(last);
            var code = int.Parse((await File.ReadAllTextAsync(exitFile)).Trim(), CultureInfo.InvariantCulture);
            return new TerminalScreens(frames, last, code);
        }
        finally
        {
            await TmuxAsync(socket, "kill-server");
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static async Task<string> TmuxAsync(string socket, params string[] args)
    {
        var info = new ProcessStartInfo("tmux", ["-S", socket, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output;
    }
}

/// <summary>What a terminal showed.</summary>
/// <param name="Frames">Every distinct screen, in order.</param>
/// <param name="Last">The final screen with up to 200 lines of scrollback.</param>
/// <param name="ExitCode">The command's exit code.</param>
public sealed record TerminalScreens(IReadOnlyList<string> Frames, string Last, int ExitCode);
