using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// OpenSSH's known_hosts format, read as ssh does: host patterns (comma lists, <c>*</c>/<c>?</c> wildcards,
/// <c>!</c> negation, hashed <c>|1|salt|hash</c> names), <c>[host]:port</c> for ports other than 22, and
/// <c>@revoked</c> keys. Pure: lines in, verdict out.
/// </summary>
internal static class KnownHosts
{
    /// <summary>What known_hosts says about a presented key.</summary>
    public enum Verdict
    {
        /// <summary>The host is listed with this very key.</summary>
        Known,

        /// <summary>The host is not listed at all.</summary>
        Unknown,

        /// <summary>The host is listed only with keys of other types (OpenSSH: "host key is known for other types").</summary>
        KnownForOtherTypes,

        /// <summary>The host is listed with a different key of this type, or this key is revoked.</summary>
        Changed,
    }

    /// <summary>The name ssh looks a host up by: the bare address on port 22, <c>[address]:port</c> otherwise.</summary>
    public static string HostName(string address, int port)
        => port == 22 ? address : "[" + address + "]:" + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The key type named inside an SSH public key blob (e.g. <c>ssh-ed25519</c>).</summary>
    public static string KeyType(byte[] blob)
    {
        if (blob.Length < 4)
        {
            return "";
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(blob);
        return length > 0 && length <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, length) : "";
    }

    /// <summary>Checks <paramref name="blob"/> presented by <paramref name="hostName"/> against known_hosts lines.</summary>
    public static Verdict Check(IEnumerable<string> lines, string hostName, byte[] blob)
    {
        var type = KeyType(blob);
        var key = Convert.ToBase64String(blob);
        var entries = Entries(lines).ToList();
        if (entries.Any(e => e.Marker == "@revoked" && e.Key == key))
        {
            return Verdict.Changed; // wherever else the key is listed
        }

        var verdict = Verdict.Unknown;
        foreach (var entry in entries)
        {
            if (entry.Marker is not null || !Matches(entry.Hosts, hostName))
            {
                continue;
            }

            if (entry.Type == type)
            {
                if (entry.Key == key)
                {
                    return Verdict.Known;
                }

                verdict = Verdict.Changed;
            }
            else if (verdict == Verdict.Unknown)
            {
                verdict = Verdict.KnownForOtherTypes;
            }
        }

        return verdict;
    }

    /// <summary>The key types listed for <paramref name="hostName"/>, in file order (to prefer them in key exchange, as ssh does).</summary>
    public static IReadOnlyList<string> TypesFor(IEnumerable<string> lines, string hostName)
        => Entries(lines).Where(e => e.Marker is null && Matches(e.Hosts, hostName)).Select(e => e.Type).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The line that records <paramref name="blob"/> for <paramref name="hostName"/> (as <c>accept-new</c> writes it).</summary>
    public static string Line(string hostName, byte[] blob) => hostName + " " + KeyType(blob) + " " + Convert.ToBase64String(blob);

    private readonly record struct Entry(string? Marker, string Hosts, string Type, string Key);

    private static IEnumerable<Entry> Entries(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var marker = fields[0].StartsWith('@') ? fields[0] : null;
            var first = marker is null ? 0 : 1;
            if (fields.Length >= first + 3)
            {
                yield return new Entry(marker, fields[first], fields[first + 1], fields[first + 2]);
            }
        }
    }

    /// <summary>Whether a comma list of patterns matches: at least one positive match and no negated one.</summary>
    private static bool Matches(string patterns, string hostName)
    {
        var matched = false;
        foreach (var pattern in patterns.Split(','))
        {
            if (pattern.StartsWith('!'))
            {
                if (Wildcard(pattern[1..], hostName))
                {
                    return false;
                }
            }
            else if (pattern.StartsWith("|1|", StringComparison.Ordinal) ? Hashed(pattern, hostName) : Wildcard(pattern, hostName))
            {
                matched = true;
            }
        }

        return matched;
    }

    private static bool Hashed(string pattern, string hostName)
    {
        var parts = pattern.Split('|');
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(hostName)), expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Wildcard(string pattern, string text)
    {
        // Iterative glob: '*' any run, '?' one character; host names compare case-insensitively.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
