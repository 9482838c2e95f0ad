using System.Globalization;
using System.Text;

namespace Deploy.Core.Archives;

/// <summary>
/// Writes POSIX tar headers deterministically: ustar headers with a fixed mtime, uid/gid 0 and user/group
/// <c>root</c>, preceded by a PAX extended header (with a fixed name) when a path or link target is longer than the
/// ustar fields, is not ASCII, or the size needs more than 11 octal digits. The BCL's TarWriter puts the process id
/// into PAX header names and "now" into atime/ctime, which would break byte-identical output.
/// The one tar header encoder of the SDK: the package builder's deterministic archives and the upload stream
/// (<c>PaxArchiveWriter</c>) both write their blocks with it.
/// </summary>
internal static class TarHeaders
{
    public const int BlockSize = 512;

    public const byte Regular = (byte)'0';
    public const byte HardLink = (byte)'1';
    public const byte Symlink = (byte)'2';
    public const byte CharDevice = (byte)'3';
    public const byte BlockDevice = (byte)'4';
    public const byte Directory = (byte)'5';
    public const byte Fifo = (byte)'6';
    public const byte PaxExtended = (byte)'x';

    /// <summary>Builds the header block(s) for one entry (PAX header and data included when needed).</summary>
    public static byte[] Build(string name, byte type, int mode, long size, long mtime, string? linkName = null)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var linkBytes = linkName is null ? [] : Encoding.UTF8.GetBytes(linkName);
        var pax = new List<(string Key, string Value)>();
        if (nameBytes.Length > 100 || !IsAscii(nameBytes))
        {
            pax.Add(("path", name));
        }

        if (linkBytes.Length > 100 || !IsAscii(linkBytes))
        {
            pax.Add(("linkpath", linkName!));
        }

        if (size > 077777777777L)
        {
            pax.Add(("size", size.ToString(CultureInfo.InvariantCulture)));
        }

        using var ms = new MemoryStream();
        if (pax.Count > 0)
        {
            var data = PaxData(pax);
            var paxName = "PaxHeader/" + AsciiTail(name, 80);
            ms.Write(Ustar(Encoding.ASCII.GetBytes(paxName), PaxExtended, 0b110_100_100, data.Length, mtime, []));
            ms.Write(data);
            ms.Write(new byte[Pad(data.Length)]);
        }

        ms.Write(Ustar(Truncate(nameBytes, 100), type, mode, size > 077777777777L ? 0 : size, mtime, Truncate(linkBytes, 100)));
        return ms.ToArray();
    }

    /// <summary>The zero padding after <paramref name="size"/> content bytes.</summary>
    public static int Pad(long size) => (int)((BlockSize - (size % BlockSize)) % BlockSize);

    /// <summary>Zeros for padding and the end of an archive (read-only: never write into it).</summary>
    public static ReadOnlyMemory<byte> Zeros { get; } = new byte[BlockSize * 2];

    /// <summary>The two zero blocks that end an archive.</summary>
    public static byte[] EndOfArchive() => new byte[BlockSize * 2];

    /// <summary>
    /// Writes the header of an entry that needs no PAX header (printable ASCII name and link of at most 100 bytes,
    /// size and times that fit their octal fields) into <paramref name="block"/> without allocating, exactly as
    /// <see cref="Build"/> would. Returns <c>false</c>, writing nothing, for any other entry.
    /// </summary>
    public static bool TryWriteUstar(Span<byte> block, string name, byte type, int mode, long size, long mtime, string? linkName = null)
    {
        linkName ??= "";
        if (!IsShortAscii(name) || !IsShortAscii(linkName) || !FitsOctal(mode, 7) || !FitsOctal(size, 11) || !FitsOctal(mtime, 11))
        {
            return false;
        }

        Span<byte> nameBytes = stackalloc byte[100];
        Span<byte> linkBytes = stackalloc byte[100];
        for (var i = 0; i < name.Length; i++)
        {
            nameBytes[i] = (byte)name[i];
        }

        for (var i = 0; i < linkName.Length; i++)
        {
            linkBytes[i] = (byte)linkName[i];
        }

        WriteUstar(block[..BlockSize], nameBytes[..name.Length], type, mode, size, mtime, linkBytes[..linkName.Length]);
        return true;
    }

    /// <summary>One raw ustar header block: exposed for tests that craft hostile archives TarWriter refuses.</summary>
    public static byte[] Ustar(byte[] name, byte type, int mode, long size, long mtime, byte[] linkName)
    {
        var h = new byte[BlockSize];
        WriteUstar(h, name, type, mode, size, mtime, linkName);
        return h;
    }

    /// <summary>
    /// Writes one ustar header block into <paramref name="h"/> (512 bytes): the name (and the ustar prefix field for
    /// a long path split at a '/'), uid/gid 0, user/group <c>root</c>, and the checksum. Values must fit their octal
    /// fields (<see cref="TryWriteUstar"/> checks that; out-of-range values spill over as they historically did).
    /// </summary>
    public static void WriteUstar(Span<byte> h, ReadOnlySpan<byte> name, byte type, int mode, long size, long mtime, ReadOnlySpan<byte> linkName, ReadOnlySpan<byte> prefix = default)
    {
        h = h[..BlockSize];
        h.Clear();
        name[..Math.Min(100, name.Length)].CopyTo(h);
        prefix[..Math.Min(155, prefix.Length)].CopyTo(h[345..]);
        Octal(h, 100, 8, mode);
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, mtime);
        h[156] = type;
        linkName[..Math.Min(100, linkName.Length)].CopyTo(h[157..]);
        "ustar\0"u8.CopyTo(h[257..]);
        "00"u8.CopyTo(h[263..]);
        "root"u8.CopyTo(h[265..]);
        "root"u8.CopyTo(h[297..]);
        Octal(h, 329, 8, 0);
        Octal(h, 337, 8, 0);
        h.Slice(148, 8).Fill((byte)' ');
        long sum = 0;
        foreach (var b in h)
        {
            sum += b;
        }

        // At most 512 × 255 = 0o377000: six digits, then NUL and a space (as GNU tar writes it).
        Octal(h, 148, 7, sum);
        h[155] = (byte)' ';
    }

    /// <summary>One PAX record, <c>"LEN key=value\n"</c>, where LEN counts the whole record (in UTF-8 bytes) including itself.</summary>
    public static string PaxRecord(string key, string value)
    {
        var body = Encoding.UTF8.GetByteCount(" " + key + "=" + value + "\n");
        var len = body + 1;
        while (len.ToString(CultureInfo.InvariantCulture).Length + body != len)
        {
            len++;
        }

        return len.ToString(CultureInfo.InvariantCulture) + " " + key + "=" + value + "\n";
    }

    private static byte[] PaxData(List<(string Key, string Value)> records)
    {
        using var ms = new MemoryStream();
        foreach (var (key, value) in records)
        {
            ms.Write(Encoding.UTF8.GetBytes(PaxRecord(key, value)));
        }

        return ms.ToArray();
    }

    /// <summary>Writes <paramref name="value"/> as <c>length - 1</c> zero-padded octal digits and a NUL.</summary>
    private static void Octal(Span<byte> h, int offset, int length, long value)
    {
        var digits = length - 1;
        if (!FitsOctal(value, digits))
        {
            // Out of range (TryWriteUstar never gets here): the historical behaviour, digits spilling over.
            var text = Convert.ToString(value, 8).PadLeft(digits, '0');
            Encoding.ASCII.GetBytes(text).CopyTo(h[offset..]);
            h[offset + digits] = 0;
            return;
        }

        for (var i = offset + digits - 1; i >= offset; i--)
        {
            h[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        h[offset + digits] = 0;
    }

    private static bool FitsOctal(long value, int digits) => value >= 0 && value < 1L << (3 * digits);

    private static bool IsShortAscii(string s)
    {
        if (s.Length > 100)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (c is < (char)0x20 or >= (char)0x7f)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAscii(byte[] bytes) => bytes.All(b => b is >= 0x20 and < 0x7f);

    private static byte[] Truncate(byte[] bytes, int max) => bytes.Length <= max ? bytes : bytes[..max];

    private static string AsciiTail(string name, int max)
    {
        var ascii = new string(name.TrimEnd('/').Select(c => c is >= ' ' and < (char)0x7f and not '/' ? c : '_').ToArray());
        return ascii.Length <= max ? ascii : ascii[^max..];
    }
}
