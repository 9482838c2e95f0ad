using Semver;

namespace Deploy.Packaging.Agents;

/// <summary>One package of a feed, as its signed index lists it.</summary>
/// <param name="Version">The application version (SemVer 2), e.g. <c>2.1.0</c>.</param>
/// <param name="Channel">The release channel, e.g. <c>stable</c> or <c>beta</c>.</param>
/// <param name="File">The package's path relative to the feed root, e.g. <c>packages/app-2.1.0.tar.gz</c>.</param>
/// <param name="Size">The package's size in bytes.</param>
/// <param name="Sha256">The package's lower-case hex sha256.</param>
/// <param name="MinimumFrom">The oldest installed version that may upgrade straight to this one; <c>null</c> for any.</param>
public sealed record FeedEntry(string Version, string Channel, string File, long Size, string Sha256, string? MinimumFrom = null)
{
    /// <summary>Deltas to this version from earlier ones (see <see cref="FeedDelta"/>); an agent running one of their
    /// base versions downloads the delta instead of this package. <value>The default is none.</value></summary>
    public IReadOnlyList<FeedDelta>? Deltas { get; init; }

    /// <summary>The delta from <paramref name="installed"/>, or <c>null</c>.</summary>
    public FeedDelta? DeltaFrom(string? installed)
        => installed is null ? null : Deltas?.FirstOrDefault(d => FeedVersions.Parse(d.BaseVersion, "base_version").ComparePrecedenceTo(FeedVersions.Parse(installed, "current_version")) == 0);

    /// <summary><see cref="Version"/> parsed.</summary>
    public SemVersion SemanticVersion => FeedVersions.Parse(Version, "version");

    /// <summary>Whether an agent running <paramref name="installed"/> (<c>null</c>: nothing installed) may install this entry.</summary>
    public bool AcceptsUpgradeFrom(SemVersion? installed)
        => MinimumFrom is null || installed is null || installed.ComparePrecedenceTo(FeedVersions.Parse(MinimumFrom, "minimum_from")) >= 0;
}

/// <summary>
/// A delta package of a feed entry: a signed package (built by <see cref="FeedPublisher"/>) holding only the files
/// whose content or mode differs from <see cref="BaseVersion"/>'s package, the list of removed files, and the full
/// manifest of the new version, against which the agent verifies the release it assembles from its installed one.
/// </summary>
/// <param name="BaseVersion">The installed version it applies to.</param>
/// <param name="File">Its path relative to the feed root.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Sha256">Its lower-case hex sha256.</param>
public sealed record FeedDelta(string BaseVersion, string File, long Size, string Sha256);

/// <summary>Version parsing for feeds: strict SemVer 2, precedence order.</summary>
internal static class FeedVersions
{
    public static SemVersion Parse(string value, string field)
        => SemVersion.TryParse(value, SemVersionStyles.Strict, out var v)
            ? v
            : throw new Core.Errors.DeployException(Core.Errors.DeployErrorCode.InvalidConfiguration, $"'{value}' in field '{field}' is not a SemVer 2 version such as 2.1.0.") { Path = field };
}
