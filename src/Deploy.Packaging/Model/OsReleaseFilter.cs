using System.Globalization;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Packaging.Model;

/// <summary>
/// The <c>os_release</c> field of version.json: a comma-separated list of os-release <c>ID</c>s such as
/// <c>"bclinux,centos"</c> (case-insensitive, spaces tolerated), each optionally bounded by a version, e.g.
/// <c>centos&gt;=7</c> or <c>ubuntu=22.04</c>. A host matches when its <c>ID</c> matches one entry and its
/// <c>VERSION_ID</c> satisfies that entry's bound. Parsing of /etc/os-release itself is <see cref="OsRelease"/>'s job.
/// </summary>
public sealed record OsReleaseFilter
{
    private OsReleaseFilter(IReadOnlyList<OsReleaseRule> rules) => Rules = rules;

    /// <summary>The entries, in the order written.</summary>
    public IReadOnlyList<OsReleaseRule> Rules { get; }

    /// <summary>The ids the filter names, lower case, e.g. <c>["bclinux", "centos"]</c>.</summary>
    public IReadOnlyList<string> Ids => Rules.Select(r => r.Id).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Parses <c>"bclinux,centos&gt;=7"</c>. Throws <see cref="DeployErrorCode.InvalidConfiguration"/> naming
    /// <c>os_release</c> when an entry is empty or malformed.</summary>
    public static OsReleaseFilter Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<OsReleaseRule>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                throw Invalid(text, "an entry is empty");
            }

            var opStart = part.IndexOfAny(['<', '>', '=']);
            var id = (opStart < 0 ? part : part[..opStart]).Trim().ToLowerInvariant();
            if (id.Length == 0 || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
            {
                throw Invalid(text, $"'{part}' is not an os-release ID (lower-case letters, digits, '.', '_', '-')");
            }

            if (opStart < 0)
            {
                rules.Add(new OsReleaseRule(id, null, null));
                continue;
            }

            var rest = part[opStart..];
            var op = rest.StartsWith(">=", StringComparison.Ordinal) ? ">=" : rest.StartsWith("<=", StringComparison.Ordinal) ? "<="
                : rest.StartsWith("==", StringComparison.Ordinal) ? "==" : rest[..1];
            var version = rest[op.Length..].Trim();
            if (version.Length == 0 || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '~'))
            {
                throw Invalid(text, $"'{part}' has no valid version after '{op}'");
            }

            rules.Add(new OsReleaseRule(id, op == "==" ? "=" : op, version));
        }

        return new OsReleaseFilter(rules);
    }

    /// <summary>Whether the host described by <paramref name="os"/> is supported.</summary>
    public bool Matches(OsRelease os)
    {
        ArgumentNullException.ThrowIfNull(os);
        return Rules.Any(r => r.Matches(os));
    }

    /// <summary>Throws <see cref="DeployErrorCode.OsReleaseMismatch"/> listing the supported systems and the host's,
    /// unless the host matches.</summary>
    public void EnsureMatches(OsRelease os, string? hostName = null)
    {
        if (!Matches(os))
        {
            var hostVersion = os.VersionId is null ? "" : $" {os.VersionId}";
            throw new DeployException(
                DeployErrorCode.OsReleaseMismatch,
                $"The package supports os_release '{this}' but the host is '{os.Id}'{hostVersion} ({os.PrettyName}). Install the package built for '{os.Id}', or add '{os.Id}' to os_release in version.json and rebuild.")
            {
                Host = hostName,
                Path = "os_release",
            };
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(',', Rules);

    private static DeployException Invalid(string text, string why)
        => new(DeployErrorCode.InvalidConfiguration, $"version.json field 'os_release' ('{text}') is invalid: {why}. Expected e.g. \"bclinux,centos\" or \"centos>=7\".") { Path = "os_release" };
}

/// <summary>One entry of an <see cref="OsReleaseFilter"/>.</summary>
/// <param name="Id">The os-release ID, lower case.</param>
/// <param name="Operator"><c>&gt;=</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&lt;</c>, <c>=</c>, or <c>null</c> for any version.</param>
/// <param name="Version">The version bound, or <c>null</c>.</param>
public sealed record OsReleaseRule(string Id, string? Operator, string? Version)
{
    /// <summary>Whether the host's ID and VERSION_ID satisfy this entry.</summary>
    public bool Matches(OsRelease os)
    {
        ArgumentNullException.ThrowIfNull(os);
        if (!string.Equals(os.Id, Id, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Operator is null || Version is null)
        {
            return true;
        }

        if (os.VersionId is null)
        {
            return false;
        }

        var c = CompareVersions(os.VersionId, Version);
        return Operator switch
        {
            ">=" => c >= 0,
            "<=" => c <= 0,
            ">" => c > 0,
            "<" => c < 0,
            _ => c == 0 || os.VersionId.StartsWith(Version + ".", StringComparison.Ordinal),
        };
    }

    /// <summary>Compares dotted versions segment by segment, numerically where both segments are numbers
    /// (<c>7.9 &lt; 7.10</c>); a missing segment counts as 0.</summary>
    public static int CompareVersions(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var a = left.Split('.');
        var b = right.Split('.');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : "0";
            var y = i < b.Length ? b[i] : "0";
            int c;
            if (long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var nx) && long.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var ny))
            {
                c = nx.CompareTo(ny);
            }
            else
            {
                c = string.CompareOrdinal(x, y);
            }

            if (c != 0)
            {
                return Math.Sign(c);
            }
        }

        return 0;
    }

    /// <inheritdoc />
    public override string ToString() => Operator is null ? Id : Id + Operator + Version;
}
