using System.Globalization;
using System.Text;
using Deploy.Core.Archives;
using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// A lean, forward-only POSIX (ustar/pax) tar writer for uploads: regular files only. A pax extended header carries
/// the exact modification time when asked, and the path when it fits neither the ustar name nor prefix+name. It streams file
/// content from handles into one large buffer, doing a fraction of the per-entry work of a general tar writer;
/// on 10,000 small files that difference is most of the client's cost. Header blocks are encoded by
/// <see cref="TarHeaders"/>, the SDK's one tar header writer. Dispose does NOT end the archive; call
/// <see cref="Finish"/> (an archive cut off without its end blocks is what a failed upload must look like).
/// </summary>
internal sealed class PaxArchiveWriter
{
    private const int Block = 512;
    private static readonly Encoding Utf8 = new UTF8Encoding(false);
    private readonly Stream _output;
    private readonly byte[] _buffer;
    private byte[] _name = new byte[1024];
    private int _used;

    public PaxArchiveWriter(Stream output, int bufferSize = 1 << 20)
    {
        _output = output;
        _buffer = new byte[bufferSize];
    }

    /// <summary>
    /// Writes one regular file entry whose content is <paramref name="length"/> bytes of <paramref name="content"/>,
    /// named <paramref name="name"/> relative to the archive's root (a leading '/' is dropped).
    /// With <paramref name="exactTime"/> a pax header carries a time the ustar header cannot hold (a fraction of a
    /// second, or before 1970); a whole-second time, or any time without it, costs no pax header when the name fits
    /// ustar, which halves the per-file overhead.
    /// </summary>
    public void WriteFile(string name, UnixFileMode mode, DateTimeOffset modified, long length, UploadSource? content, string displayPath, bool exactTime = true)
    {
        var nameBytes = Encode(name);
        var split = SplitUstar(nameBytes);
        var huge = length >= 8L * 1024 * 1024 * 1024;
        var paxTime = exactTime && (modified.UtcTicks % TimeSpan.TicksPerSecond != 0 || modified < DateTimeOffset.UnixEpoch);
        if (paxTime || split < -1 || huge)
        {
            var records = new StringBuilder();
            AppendRecord(records, "mtime", FormatTime(modified));
            if (split < -1)
            {
                AppendRecord(records, "path", name.TrimStart('/'));
            }

            if (huge)
            {
                AppendRecord(records, "size", length.ToString(CultureInfo.InvariantCulture));
            }

            WriteExtendedHeader(Utf8.GetBytes(records.ToString()));
        }

        var seconds = Math.Max(0, modified.ToUnixTimeSeconds());
        WriteHeader(split < -1 ? "deploy-long-name"u8 : nameBytes, split < -1 ? -1 : split, mode, huge ? 0 : length, seconds, (byte)'0');
        if (content is not null)
        {
            CopyContent(content, length, displayPath);
        }
    }

    /// <summary>Writes one regular file entry holding <paramref name="content"/> (a small in-memory file).</summary>
    public void WriteBytes(string name, UnixFileMode mode, DateTimeOffset modified, byte[] content)
    {
        WriteFile(name, mode, modified, content.Length, null, name, exactTime: false);
        var offset = 0;
        while (offset < content.Length)
        {
            if (_used == _buffer.Length)
            {
                Flush();
            }

            var n = Math.Min(_buffer.Length - _used, content.Length - offset);
            content.AsSpan(offset, n).CopyTo(_buffer.AsSpan(_used));
            _used += n;
            offset += n;
        }

        Pad(content.Length);
    }

    /// <summary>
    /// Where a name splits into the ustar prefix (155 bytes) and name (100 bytes) fields: -1 when it fits the name
    /// field alone, the index of the separating '/' when it needs the prefix, -2 when it fits neither (pax path).
    /// </summary>
    private static int SplitUstar(ReadOnlySpan<byte> name)
    {
        if (name.Length <= 100)
        {
            return -1;
        }

        for (var i = Math.Min(155, name.Length - 2); i > 0; i--)
        {
            if (name[i] == (byte)'/' && name.Length - i - 1 <= 100)
            {
                return i;
            }
        }

        return -2;
    }

    /// <summary>Sends what is buffered (without ending the archive), e.g. before waiting on something else.</summary>
    public void FlushBuffered()
    {
        Flush();
        _output.Flush();
    }

    /// <summary>Writes the end-of-archive blocks and flushes.</summary>
    public void Finish()
    {
        Reserve(2 * Block);
        _buffer.AsSpan(_used, 2 * Block).Clear();
        _used += 2 * Block;
        Flush();
        _output.Flush();
    }

    private void CopyContent(UploadSource content, long length, string displayPath)
    {
        long offset = 0;
        while (offset < length)
        {
            if (_used == _buffer.Length)
            {
                Flush();
            }

            var want = (int)Math.Min(_buffer.Length - _used, length - offset);
            var read = content.Read(_buffer.AsSpan(_used, want), offset);
            if (read == 0)
            {
                throw new DeployException(DeployErrorCode.TransferFailed, $"'{displayPath}' shrank while it was being uploaded; upload it again once it is stable.") { Path = displayPath };
            }

            _used += read;
            offset += read;
        }

        Pad(length);
    }

    /// <summary>Zero-fills up to the next block boundary after <paramref name="length"/> content bytes.</summary>
    private void Pad(long length)
    {
        var pad = (int)((Block - (length % Block)) % Block);
        Reserve(pad);
        _buffer.AsSpan(_used, pad).Clear();
        _used += pad;
    }

    private void WriteHeader(ReadOnlySpan<byte> name, int split, UnixFileMode mode, long size, long mtime, byte type)
    {
        Reserve(Block);
        var h = _buffer.AsSpan(_used, Block);
        var sized = size < 8L * 1024 * 1024 * 1024 ? size : 0;
        if (split < 0)
        {
            TarHeaders.WriteUstar(h, name, type, (int)mode & 0xFFF, sized, Math.Min(mtime, 8589934591L), default);
        }
        else
        {
            TarHeaders.WriteUstar(h, name[(split + 1)..], type, (int)mode & 0xFFF, sized, Math.Min(mtime, 8589934591L), default, name[..split]);
        }

        _used += Block;
    }

    /// <summary>The name's UTF-8 bytes without leading '/'s, in a buffer reused for every entry (valid until the next call).</summary>
    private ReadOnlySpan<byte> Encode(string name)
    {
        var relative = name.AsSpan().TrimStart('/');
        var needed = Utf8.GetMaxByteCount(relative.Length);
        if (_name.Length < needed)
        {
            _name = new byte[needed];
        }

        return _name.AsSpan(0, Utf8.GetBytes(relative, _name));
    }

    /// <summary>A pax extended header holding <paramref name="records"/>.</summary>
    private void WriteExtendedHeader(ReadOnlySpan<byte> records)
    {
        WriteHeader("PaxHeader"u8, -1, (UnixFileMode)0x1A4, records.Length, 0, (byte)'x');
        WritePadded(records);
    }

    private void WritePadded(ReadOnlySpan<byte> data)
    {
        var padded = (data.Length + Block - 1) / Block * Block;
        Reserve(padded);
        data.CopyTo(_buffer.AsSpan(_used));
        _buffer.AsSpan(_used + data.Length, padded - data.Length).Clear();
        _used += padded;
    }

    private void Reserve(int bytes)
    {
        if (_buffer.Length - _used < bytes)
        {
            Flush();
        }

        if (_buffer.Length < bytes)
        {
            throw new InvalidOperationException("A tar header is larger than the write buffer.");
        }
    }

    private void Flush()
    {
        if (_used > 0)
        {
            _output.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    /// <summary>A pax record: <c>"LEN key=value\n"</c>, where LEN counts the whole record including itself.</summary>
    private static void AppendRecord(StringBuilder records, string key, string value) => records.Append(TarHeaders.PaxRecord(key, value));

    /// <summary>Seconds since the epoch with the exact 100 ns fraction, e.g. <c>1700000000.1234567</c>.</summary>
    internal static string FormatTime(DateTimeOffset time)
    {
        var ticks = (time.UtcDateTime - DateTime.UnixEpoch).Ticks;
        return (ticks / (decimal)TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture);
    }
}
