using System.Text;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts;

/// <summary>
/// Reads a command's stdout and stderr: captures them exactly (no added or lost newline) and hands whole lines, one
/// at a time and never concurrently, to <see cref="CommandSpec.OnOutput"/> and the logger. Shared by every transport
/// (a local process, an SSH channel).
/// </summary>
internal sealed class OutputPump
{
    private readonly CommandSpec _command;
    private readonly string _hostName;
    private readonly ILogger _logger;
    private readonly object _emitLock = new();

    public OutputPump(CommandSpec command, string hostName, ILogger logger)
    {
        _command = command;
        _hostName = hostName;
        _logger = logger;
    }

    /// <summary>Reads <paramref name="reader"/> to its end, capturing into <paramref name="capture"/>.</summary>
    public async Task PumpAsync(TextReader reader, OutputStream stream, StringBuilder capture)
    {
        var buffer = new char[8192];
        var partial = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
        {
            if (_command.CaptureOutput)
            {
                capture.Append(buffer, 0, read);
            }

            var lineStart = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == '\n')
                {
                    partial.Append(buffer, lineStart, i - lineStart);
                    Emit(stream, partial);
                    lineStart = i + 1;
                }
            }

            partial.Append(buffer, lineStart, read - lineStart);
        }

        if (partial.Length > 0)
        {
            Emit(stream, partial);
        }
    }

    private void Emit(OutputStream stream, StringBuilder partial)
    {
        var line = partial.ToString().TrimEnd('\r');
        partial.Clear();
        lock (_emitLock)
        {
            _command.OnOutput?.Invoke(new OutputLine(stream, line));
        }

        HostLog.OutputLine(_logger, _hostName, line);
    }
}
