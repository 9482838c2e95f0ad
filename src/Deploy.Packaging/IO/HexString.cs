namespace Deploy.Packaging.IO;

/// <summary>Lower-case hex for hashes in one allocation (Convert.ToHexStringLower is .NET 9+).</summary>
internal static class HexString
{
    public static string Lower(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[bytes.Length * 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
            chars[(2 * i) + 1] = "0123456789abcdef"[bytes[i] & 0xF];
        }

        return new string(chars);
    }

    /// <summary>Whether <paramref name="hex"/> is the lower-case hex of <paramref name="bytes"/>.</summary>
    public static bool EqualsLower(ReadOnlySpan<byte> bytes, string hex)
    {
        if (hex.Length != bytes.Length * 2)
        {
            return false;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            if (hex[2 * i] != "0123456789abcdef"[bytes[i] >> 4] || hex[(2 * i) + 1] != "0123456789abcdef"[bytes[i] & 0xF])
            {
                return false;
            }
        }

        return true;
    }
}
