using System.Text;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Packaging.Model;

/// <summary>
/// The <c>os_release</c> field of version.json: a comma-separated list of os-release <c>ID</c>s such as
/// <c>"bclinux,centos"</c> (case-insensitive, spaces tolerated), each optionally bounded by a version, e.g.
/// <c>centos&gt;=7</c> or <c>ubuntu=22.04</c>. A host matches when its <c>ID</c> matches one entry and its
/// version satisfies that entry's bound (compared by <see cref="OsReleaseVersion"/>'s rule). Matching is by exact
/// <c>ID</c> by default, since versions do not carry across families; the family form <c>like:rhel&gt;=8</c>
/// also accepts hosts whose <c>ID_LIKE</c> names <c>rhel</c> (Rocky, Alma, Anolis, TencentOS...).
/// Parsing of /etc/os-release itself is <see cref="OsRelease"/>'s job; the generated <c>./install</c> launcher
/// implements the same rule in awk.
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

            var family = part.StartsWith(OsReleaseRule.FamilyPrefix, StringComparison.OrdinalIgnoreCase);
            if (family)
            {
                part = part[OsReleaseRule.FamilyPrefix.Length..].TrimStart();
            }

            var opStart = part.IndexOfAny(['<', '>', '=']);
            var id = (opStart < 0 ? part : part[..opStart]).Trim().ToLowerInvariant();
            if (id.Length == 0 || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
            {
                throw Invalid(text, $"'{part}' is not an os-release ID (lower-case letters, digits, '.', '_', '-')");
            }

            if (opStart < 0)
            {
                rules.Add(new OsReleaseRule(id, null, null) { Family = family });
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

            rules.Add(new OsReleaseRule(id, op == "==" ? "=" : op, version) { Family = family });
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
    /// unless the host matches. The message adds a hint when a bound is more precise than the host's version (CentOS 7
    /// reports <c>VERSION_ID="7"</c> only) and suggests the family form when the host's <c>ID_LIKE</c> would match.</summary>
    public void EnsureMatches(OsRelease os, string? hostName = null)
    {
        ArgumentNullException.ThrowIfNull(os);
        if (Matches(os))
        {
            return;
        }

        var version = OsReleaseRule.HostVersion(os);
        var hostVersion = version.Length == 0 ? " (no VERSION_ID)" : $" {version}";
        var message = new StringBuilder($"The package supports os_release '{this}' but the host is '{os.Id}'{hostVersion} ({os.PrettyName}).");
        foreach (var rule in Rules.Where(r => r.Operator is not null && r.MatchesId(os)))
        {
            if (version.Length > 0 && OsReleaseVersion.Tokens(rule.Version!).Count > OsReleaseVersion.Tokens(version).Count)
            {
                message.Append($" The bound '{rule}' is more precise than the host's version '{version}' (CentOS 7 and others report only the major release in VERSION_ID; the minor one is in /etc/redhat-release): write the bound with as many parts as VERSION_ID has, e.g. '{rule.WithVersionPrecision(version)}'.");
            }
        }

        var like = Rules.Where(r => !r.Family && os.IdLike.Contains(r.Id, StringComparer.Ordinal) && (r with { Family = true }).Matches(os)).Select(r => r with { Family = true }).ToList();
        if (like.Count > 0)
        {
            message.Append($" The host's ID_LIKE ('{string.Join(' ', os.IdLike)}') names {string.Join(", ", like.Select(r => $"'{r.Id}'"))}: if the package fits the whole family, write '{string.Join(",", like)}' in os_release.");
        }

        message.Append($" Install the package built for '{os.Id}', or add '{os.Id}' to os_release in version.json and rebuild.");
        throw new DeployException(DeployErrorCode.OsReleaseMismatch, message.ToString()) { Host = hostName, Path = "os_release" };
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(',', Rules);

    private static DeployException Invalid(string text, string why)
        => new(DeployErrorCode.InvalidConfiguration, $"version.json field 'os_release' ('{text}') is invalid: {why}. Expected e.g. \"bclinux,centos\" or \"centos>=7\".") { Path = "os_release" };
}
