using System.Globalization;
using System.Text;

namespace Deploy.Packaging.Building;

/// <summary>
/// Writes POSIX tar headers deterministically: ustar headers with a fixed mtime, uid/gid 0 and user/group
/// <c>root</c>, preceded by a PAX extended header (with a fixed name) when a path or link target is longer than the
/// ustar fields, is not ASCII, or the size needs more than 11 octal digits. The BCL's TarWriter puts the process id
/// into PAX header names and "now" into atime/ctime, which would break byte-identical output.
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

    /// <summary>The two zero blocks that end an archive.</summary>
    public static byte[] EndOfArchive() => new byte[BlockSize * 2];

    /// <summary>One raw ustar header block: exposed for tests that craft hostile archives TarWriter refuses.</summary>
    public static byte[] Ustar(byte[] name, byte type, int mode, long size, long mtime, byte[] linkName)
    {
        var h = new byte[BlockSize];
        name.AsSpan(0, Math.Min(100, name.Length)).CopyTo(h);
        Octal(h, 100, 8, mode);
        Octal(h, 108, 8, 0);
        Octal(h, 116, 8, 0);
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, mtime);
        h[156] = type;
        linkName.AsSpan(0, Math.Min(100, linkName.Length)).CopyTo(h.AsSpan(157));
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        "root"u8.CopyTo(h.AsSpan(265));
        "root"u8.CopyTo(h.AsSpan(297));
        Octal(h, 329, 8, 0);
        Octal(h, 337, 8, 0);
        for (var i = 148; i < 156; i++)
        {
            h[i] = (byte)' ';
        }

        long sum = 0;
        foreach (var b in h)
        {
            sum += b;
        }

        var chk = Convert.ToString(sum, 8).PadLeft(6, '0');
        Encoding.ASCII.GetBytes(chk).CopyTo(h, 148);
        h[154] = 0;
        h[155] = (byte)' ';
        return h;
    }

    private static byte[] PaxData(List<(string Key, string Value)> records)
    {
        using var ms = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var body = Encoding.UTF8.GetByteCount(" " + key + "=" + value + "\n");
            var len = body + 1;
            while (len.ToString(CultureInfo.InvariantCulture).Length + body != len)
            {
                len++;
            }

            ms.Write(Encoding.UTF8.GetBytes(len.ToString(CultureInfo.InvariantCulture) + " " + key + "=" + value + "\n"));
        }

        return ms.ToArray();
    }

    private static void Octal(byte[] h, int offset, int length, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(h, offset);
        h[offset + length - 1] = 0;
    }

    private static bool IsAscii(byte[] bytes) => bytes.All(b => b is >= 0x20 and < 0x7f);

    private static byte[] Truncate(byte[] bytes, int max) => bytes.Length <= max ? bytes : bytes[..max];

    private static string AsciiTail(string name, int max)
    {
        var ascii = new string(name.TrimEnd('/').Select(c => c is >= ' ' and < (char)0x7f and not '/' ? c : '_').ToArray());
        return ascii.Length <= max ? ascii : ascii[^max..];
    }
}
