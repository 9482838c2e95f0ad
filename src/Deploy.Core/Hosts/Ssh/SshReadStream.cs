using System.Diagnostics;
using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>A remote file streamed through <c>cat</c> on its own ssh channel. A cut-off stream throws instead of ending early.</summary>
internal sealed class SshReadStream : Stream
{
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly Task<string> _stderr;
    private readonly string _host;
    private readonly string _path;
    private bool _finished;

    public SshReadStream(Process process, Stream stdout, Task<string> stderr, string host, string path)
    {
        _process = process;
        _stdout = stdout;
        _stderr = stderr;
        _host = host;
        _path = path;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _stdout.Read(buffer);
        if (n == 0 && buffer.Length > 0)
        {
            _process.WaitForExit();
            Finish(_stderr.GetAwaiter().GetResult());
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _stdout.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n == 0 && buffer.Length > 0)
        {
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            Finish(await _stderr.ConfigureAwait(false));
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Finish(string stderr)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_process.ExitCode != 0)
        {
            throw new DeployException(DeployErrorCode.TransferFailed, $"Reading '{_path}' from {_host} was cut off (exit {_process.ExitCode}): {stderr.Trim()}") { Host = _host, Path = _path, ExitCode = _process.ExitCode };
        }
    }
}
