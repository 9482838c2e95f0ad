using System.Runtime.CompilerServices;
using System.Formats.Tar;
using System.IO.Compression;
using Deploy.Core.Archives;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Reading;

/// <summary>Reads archive entries one after the other: tar (plain, gzip (also concatenated members), xz, bzip2 or zstd) or zip.</summary>
internal abstract class ArchiveSource : IAsyncDisposable
{
    /// <summary>The next entry, or <c>null</c> at the end.</summary>
    public abstract ValueTask<ArchiveItem?> NextAsync(CancellationToken cancellationToken);

    /// <summary>Reads whatever follows the last entry (so a hash over the raw bytes covers all of them).</summary>
    public abstract Task DrainAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>Opens a seekable package file, detecting the format from its first bytes.</summary>
    public static async Task<ArchiveSource> OpenFileAsync(string path, string label, CancellationToken cancellationToken)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            var n = fs.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
            fs.Position = 0;
            if (n >= 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4)
            {
                return new ZipSource(fs, label);
            }

            return await OpenStreamAsync(fs, label, ownsStream: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await fs.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a forward-only tar stream, plain or compressed (gzip through the BCL; xz, bzip2 and zstd through
    /// SharpCompress), detecting the compression from its first bytes.
    /// </summary>
    public static async Task<ArchiveSource> OpenStreamAsync(Stream stream, string label, bool ownsStream, CancellationToken cancellationToken)
    {
        var peek = await PeekStream.CreateAsync(stream, Decompression.MagicLength, ownsStream, cancellationToken).ConfigureAwait(false);
        var compression = Decompression.Detect(peek.Head);
        return compression == StreamCompression.None
            ? new TarSource(peek, label)
            : new TarSource(new ReadAheadStream(Decompression.Open(peek, compression)), label);
    }

    protected static DeployException Malformed(string label, Exception e)
        => new(DeployErrorCode.PackageInvalid, $"'{label}' is not a readable tar (plain, gzip, xz, bzip2 or zstd) or zip archive: {e.Message}", e) { Path = label };

    private sealed class TarSource(Stream stream, string label) : ArchiveSource
    {
        private readonly TarReader _reader = new(stream, leaveOpen: true);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<ArchiveItem?> NextAsync(CancellationToken cancellationToken)
        {
            TarEntry? e;
            try
            {
                e = await _reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or ArgumentException or EndOfStreamException)
            {
                throw Malformed(label, ex);
            }

            if (e is null)
            {
                return null;
            }

            var kind = e.EntryType switch
            {
                TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => ArchiveItemKind.File,
                TarEntryType.Directory => ArchiveItemKind.Directory,
                TarEntryType.SymbolicLink => ArchiveItemKind.Symlink,
                TarEntryType.HardLink => ArchiveItemKind.HardLink,
                _ => ArchiveItemKind.Special,
            };
            return new ArchiveItem(e.Name, kind, (int)e.Mode, e.Length, e.LinkName.Length > 0 ? e.LinkName : null, kind == ArchiveItemKind.File ? e.DataStream ?? Stream.Null : null);
        }

        public override async Task DrainAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[1 << 16];
            try
            {
                while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (InvalidDataException ex)
            {
                throw Malformed(label, ex);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await _reader.DisposeAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class ZipSource : ArchiveSource
    {
        private readonly ZipArchive _zip;
        private readonly IEnumerator<ZipArchiveEntry> _entries;
        private readonly string _label;
        private Stream? _current;

        public ZipSource(Stream stream, string label)
        {
            _label = label;
            try
            {
                _zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            }
            catch (InvalidDataException e)
            {
                throw Malformed(label, e);
            }

            _entries = _zip.Entries.GetEnumerator();
        }

        public override async ValueTask<ArchiveItem?> NextAsync(CancellationToken cancellationToken)
        {
            if (_current is not null)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
                _current = null;
            }

            if (!_entries.MoveNext())
            {
                return null;
            }

            var e = _entries.Current;
            var unix = (e.ExternalAttributes >> 16) & 0xFFFF;
            var type = unix & 0xF000;
            var isDir = e.FullName.EndsWith('/');
            var kind = type switch
            {
                0xA000 => ArchiveItemKind.Symlink,
                0x4000 => ArchiveItemKind.Directory,
                0x8000 or 0 => isDir ? ArchiveItemKind.Directory : ArchiveItemKind.File,
                _ => ArchiveItemKind.Special,
            };
            var mode = unix & 0xFFF;
            if (mode == 0)
            {
                mode = isDir ? 0b111_101_101 : 0b110_100_100;
            }

            try
            {
                string? link = null;
                if (kind == ArchiveItemKind.Symlink)
                {
                    // A zip symlink stores its target as the entry content; read at most 4 KiB of it.
                    await using var s = e.Open();
                    var buf = new byte[4096];
                    var n = await s.ReadAtLeastAsync(buf, buf.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    link = System.Text.Encoding.UTF8.GetString(buf, 0, n);
                }

                _current = kind == ArchiveItemKind.File ? e.Open() : null;
                return new ArchiveItem(e.FullName, kind, mode, kind == ArchiveItemKind.File ? e.Length : 0, link, _current);
            }
            catch (InvalidDataException ex)
            {
                throw Malformed(_label, ex);
            }
        }

        public override Task DrainAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override async ValueTask DisposeAsync()
        {
            if (_current is not null)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
            }

            _entries.Dispose();
            _zip.Dispose();
        }
    }
}
