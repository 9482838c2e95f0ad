using System.Text;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// Reads one output stream of a remote agent session, frame by frame. A frame is everything a command wrote, ended
/// by the command's random marker (and, on stdout, its exit code) on the marker line. Output before the marker is
/// passed on exactly: whole lines to the callback, all bytes to the capture.
/// </summary>
internal sealed class FrameReader
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public FrameReader(Stream stream) => _stream = stream;

    /// <summary>
    /// Reads up to the line that holds <paramref name="marker"/> and returns the text after the marker on that line;
    /// <c>null</c> when the stream ended first (the session died).
    /// </summary>
    public async Task<string?> ReadFrameAsync(byte[] marker, Action<string>? onLine, StringBuilder? capture)
    {
        var scan = _start;
        while (true)
        {
            var nl = Array.IndexOf(_buffer, (byte)'\n', scan, _end - scan);
            if (nl >= 0)
            {
                var line = _buffer.AsSpan(_start, nl - _start);
                var at = line.IndexOf(marker);
                if (at >= 0)
                {
                    if (at > 0)
                    {
                        // Output that did not end with a newline: captured as it is, passed on as a last line.
                        var partial = Encoding.UTF8.GetString(line[..at]);
                        capture?.Append(partial);
                        onLine?.Invoke(partial.TrimEnd('\r'));
                    }

                    var rest = Encoding.ASCII.GetString(line[(at + marker.Length)..]).Trim();
                    _start = nl + 1;
                    return rest;
                }

                var text = Encoding.UTF8.GetString(line);
                capture?.Append(text).Append('\n');
                onLine?.Invoke(text.TrimEnd('\r'));
                _start = nl + 1;
                scan = _start;
                continue;
            }

            scan = _end;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                scan -= _start;
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var n = await _stream.ReadAsync(_buffer.AsMemory(_end)).ConfigureAwait(false);
            if (n == 0)
            {
                if (_end > _start)
                {
                    var tail = Encoding.UTF8.GetString(_buffer, _start, _end - _start);
                    capture?.Append(tail);
                    onLine?.Invoke(tail.TrimEnd('\r'));
                    _start = _end;
                }

                return null;
            }

            _end += n;
        }
    }
}
