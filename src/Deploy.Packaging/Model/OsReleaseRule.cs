using Deploy.Core.Hosts;

namespace Deploy.Packaging.Model;

/// <summary>One entry of an <see cref="OsReleaseFilter"/>.</summary>
/// <param name="Id">The os-release ID, lower case.</param>
/// <param name="Operator"><c>&gt;=</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&lt;</c>, <c>=</c>, or <c>null</c> for any version.</param>
/// <param name="Version">The version bound, or <c>null</c>.</param>
public sealed record OsReleaseRule(string Id, string? Operator, string? Version)
{
    /// <summary>The prefix of the family form, <c>like:</c>.</summary>
    public const string FamilyPrefix = "like:";

    /// <summary>Whether this is the family form (<c>like:rhel&gt;=8</c>): the host's <c>ID</c> or any of its
    /// <c>ID_LIKE</c> ids may match; <value><c>false</c> by default: only the host's <c>ID</c> is compared</value>.</summary>
    public bool Family { get; init; }

    /// <summary>
    /// The version a host is compared by: <c>VERSION_ID</c>, or the first word of <c>VERSION</c> when it extends
    /// <c>VERSION_ID</c> (Ubuntu's <c>VERSION="22.04.3 LTS"</c> with <c>VERSION_ID="22.04"</c>); empty when the host has no
    /// <c>VERSION_ID</c>.
    /// </summary>
    public static string HostVersion(OsRelease os)
    {
        ArgumentNullException.ThrowIfNull(os);
        var id = os.VersionId ?? "";
        if (id.Length > 0 && os.Fields.TryGetValue("VERSION", out var full))
        {
            var word = full.Trim().Split([' ', '\t'], 2)[0];
            if (word.StartsWith(id + ".", StringComparison.Ordinal))
            {
                return word;
            }
        }

        return id;
    }

    /// <summary>Whether the host's ID (or, for the family form, one of its <c>ID_LIKE</c> ids) is this entry's.</summary>
    public bool MatchesId(OsRelease os)
    {
        ArgumentNullException.ThrowIfNull(os);
        return string.Equals(os.Id, Id, StringComparison.OrdinalIgnoreCase) || Family && os.IdLike.Contains(Id, StringComparer.Ordinal);
    }

    /// <summary>Whether the host's ID and version satisfy this entry. A bound never matches a host without
    /// <c>VERSION_ID</c> (absent or empty).</summary>
    public bool Matches(OsRelease os)
    {
        if (!MatchesId(os))
        {
            return false;
        }

        if (Operator is null || Version is null)
        {
            return true;
        }

        var host = HostVersion(os);
        if (host.Length == 0)
        {
            return false;
        }

        var c = OsReleaseVersion.Compare(host, Version, Operator == "=" ? OsReleaseVersion.Tokens(Version).Count : 0);
        return Operator switch
        {
            ">=" => c >= 0,
            "<=" => c <= 0,
            ">" => c > 0,
            "<" => c < 0,
            _ => c == 0,
        };
    }

    /// <summary>This entry with its bound cut to the precision of <paramref name="hostVersion"/> (for hints).</summary>
    internal OsReleaseRule WithVersionPrecision(string hostVersion)
    {
        var parts = OsReleaseVersion.Tokens(hostVersion).Count;
        return Version is null ? this : this with { Version = string.Join('.', OsReleaseVersion.Tokens(Version).Take(parts)) };
    }

    /// <summary>Compares versions by <see cref="OsReleaseVersion.Compare"/>'s rule.</summary>
    public static int CompareVersions(string left, string right) => OsReleaseVersion.Compare(left, right);

    /// <inheritdoc />
    public override string ToString() => (Family ? FamilyPrefix : "") + (Operator is null ? Id : Id + Operator + Version);
}
