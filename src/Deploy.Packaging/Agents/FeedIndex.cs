using System.Text.Json;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Agents;

/// <summary>
/// A feed's index (<c>index.json</c>, signed in <c>index.sig</c>): every package with its version, channel, size,
/// sha256 and the oldest version that may upgrade to it. <see cref="Serial"/> only grows (an agent refuses an index
/// older than one it has seen) and <see cref="Expires"/> bounds how long a copy is believed (an agent refuses an
/// expired one: a feed that stops being re-signed freezes its agents instead of letting them trust stale data).
/// </summary>
/// <param name="Serial">The index's version number; each publish increments it.</param>
/// <param name="Issued">When it was signed.</param>
/// <param name="Expires">After this instant agents refuse it.</param>
/// <param name="Packages">The packages, in publish order.</param>
public sealed record FeedIndex(long Serial, DateTimeOffset Issued, DateTimeOffset Expires, IReadOnlyList<FeedEntry> Packages)
{
    /// <summary>The index's file name in the feed root.</summary>
    public const string FileName = "index.json";

    /// <summary>The signature's file name in the feed root.</summary>
    public const string SignatureFileName = "index.sig";

    /// <summary>The largest index accepted.</summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>The format version written in the index.</summary>
    public int Format { get; init; } = 1;

    /// <summary>The UTF-8 JSON bytes (what is signed).</summary>
    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, AgentJson.Indented);

    /// <summary>Parses and validates index bytes (it does not check the signature: see <see cref="IndexVerifier"/>).
    /// Throws <see cref="DeployErrorCode.InvalidConfiguration"/> naming the bad field.</summary>
    public static FeedIndex Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxFileBytes)
        {
            throw new DeployException(DeployErrorCode.InputTooLarge, $"The feed index is {utf8.Length} bytes; at most {MaxFileBytes} are accepted.") { Path = FileName };
        }

        var index = AgentJson.Parse<FeedIndex>(utf8, FileName);
        if (index.Format != 1)
        {
            throw Bad("format", $"The feed index has format {index.Format}; this agent reads format 1. Upgrade the agent's Deploy SDK.");
        }

        foreach (var (e, i) in (index.Packages ?? []).Select((e, i) => (e, i)))
        {
            var at = $"packages[{i}]";
            _ = FeedVersions.Parse(e.Version ?? "", at + ".version");
            if (e.MinimumFrom is not null)
            {
                _ = FeedVersions.Parse(e.MinimumFrom, at + ".minimum_from");
            }

            if (!IsSafeRelativePath(e.File))
            {
                throw Bad(at + ".file", $"'{e.File}' is not a plain relative path inside the feed.");
            }

            if (!IsSha256(e.Sha256) || e.Size < 0 || string.IsNullOrEmpty(e.Channel))
            {
                throw Bad(at, "Each package needs a channel, a size >= 0 and a 64-digit lower-case hex sha256.");
            }

            foreach (var (d, j) in (e.Deltas ?? []).Select((d, j) => (d, j)))
            {
                _ = FeedVersions.Parse(d.BaseVersion ?? "", $"{at}.deltas[{j}].base_version");
                if (!IsSafeRelativePath(d.File) || !IsSha256(d.Sha256) || d.Size < 0)
                {
                    throw Bad($"{at}.deltas[{j}]", "Each delta needs a plain relative file path inside the feed, a size >= 0 and a 64-digit lower-case hex sha256.");
                }
            }
        }

        return index with { Packages = index.Packages ?? [] };
    }

    /// <summary>The entry of <paramref name="version"/> in <paramref name="channel"/>, or <c>null</c>.</summary>
    public FeedEntry? Find(string version, string channel)
        => Packages.LastOrDefault(p => p.Channel == channel && p.SemanticVersion.ComparePrecedenceTo(FeedVersions.Parse(version, "version")) == 0);

    private static bool IsSha256(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigitLower);

    internal static bool IsSafeRelativePath(string? path)
        => path is { Length: > 0 and < 512 }
            && !path.StartsWith('/')
            && !path.Contains('\\', StringComparison.Ordinal)
            && path.Split('/').All(s => s.Length > 0 && s != "." && s != ".." && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+'));

    private static DeployException Bad(string field, string message) => new(DeployErrorCode.InvalidConfiguration, message) { Path = FileName + ":" + field };
}
