using Deploy.Core.Errors;

namespace Deploy.Docker.Images;

/// <summary>
/// A parsed image reference <c>[registry/]repository[:tag][@digest]</c>, e.g.
/// <c>encoo/console-web-v4-pvt:4.1.76383</c>. Parsing is purely textual; nothing is resolved.
/// </summary>
/// <param name="Repository">The repository including any registry host, e.g. <c>encoo/console-web-v4-pvt</c>.</param>
/// <param name="Tag">The tag, or <c>null</c> when the reference has none.</param>
/// <param name="Digest">The digest (<c>sha256:...</c>), or <c>null</c>.</param>
public sealed record ImageReference(string Repository, string? Tag, string? Digest)
{
    /// <summary>Parses a reference; throws <see cref="DeployErrorCode.InvalidArgument"/> when it is empty or malformed.</summary>
    public static ImageReference Parse(string reference)
    {
        if (!TryParse(reference, out var parsed))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"'{reference}' is not an image reference (expected repository[:tag][@digest]).") { Path = reference };
        }

        return parsed;
    }

    /// <summary>Parses a reference; <c>false</c> when it is empty or malformed.</summary>
    public static bool TryParse(string? reference, out ImageReference result)
    {
        result = null!;
        if (string.IsNullOrWhiteSpace(reference) || reference.Any(char.IsWhiteSpace))
        {
            return false;
        }

        string? digest = null;
        var name = reference;
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = reference[(at + 1)..];
            name = reference[..at];
            if (digest.Length == 0 || !digest.Contains(':', StringComparison.Ordinal))
            {
                return false;
            }
        }

        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            if (tag.Length == 0)
            {
                return false;
            }
        }

        if (name.Length == 0 || name.StartsWith('/') || name.EndsWith('/'))
        {
            return false;
        }

        result = new ImageReference(name, tag, digest);
        return true;
    }

    /// <summary>The repository without the implicit <c>docker.io/</c> and <c>library/</c> prefixes, for comparisons.</summary>
    public string NormalizedRepository => Normalize(Repository);

    /// <summary>Whether <paramref name="repository"/> names the same repository (ignoring <c>docker.io/library/</c>).</summary>
    public bool SameRepository(string repository) => string.Equals(NormalizedRepository, Normalize(repository), StringComparison.Ordinal);

    /// <summary>Returns a copy with <paramref name="tag"/> and no digest (a digest pins the old image).</summary>
    public ImageReference WithTag(string tag) => this with { Tag = tag, Digest = null };

    /// <inheritdoc />
    public override string ToString() => Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    private static string Normalize(string repository)
    {
        var r = repository;
        if (r.StartsWith("docker.io/", StringComparison.Ordinal))
        {
            r = r["docker.io/".Length..];
        }
        else if (r.StartsWith("index.docker.io/", StringComparison.Ordinal))
        {
            r = r["index.docker.io/".Length..];
        }

        if (r.StartsWith("library/", StringComparison.Ordinal))
        {
            r = r["library/".Length..];
        }

        return r;
    }
}
