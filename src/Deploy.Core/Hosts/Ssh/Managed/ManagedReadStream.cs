using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>A remote file streamed by <c>host-open-read.sh</c> on its own channel. A cut-off stream throws instead of ending early.</summary>
internal sealed class ManagedReadStream : Stream
{
    private readonly ManagedChannel _channel;
    private readonly string _host;
    private readonly string _path;
    private bool _finished;

    public ManagedReadStream(ManagedChannel channel, string host, string path)
    {
        _channel = channel;
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
        var n = _channel.Output.Read(buffer);
        if (n == 0 && buffer.Length > 0)
        {
            _channel.DrainAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            Finish();
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A blocking read, moved off the caller's thread (see BlockingReads); the data is usually there already.
        var n = await Task.Run(() => _channel.Output.Read(buffer.Span), cancellationToken).ConfigureAwait(false);
        if (n == 0 && buffer.Length > 0)
        {
            await _channel.DrainAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            Finish();
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
            _channel.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_channel.ExitCode is not 0)
        {
            throw new DeployException(DeployErrorCode.TransferFailed, $"Reading '{_path}' from {_host} was cut off (exit {_channel.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: the connection dropped"}).") { Host = _host, Path = _path, ExitCode = _channel.ExitCode };
        }
    }
}
