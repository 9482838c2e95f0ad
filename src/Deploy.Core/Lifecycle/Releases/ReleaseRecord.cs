using System.Text.Json;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Operations.Journaling;

namespace Deploy.Core.Lifecycle.Releases;

/// <summary>How an operation ended.</summary>
public enum ReleaseOutcome
{
    /// <summary>Every step completed (and the auto-test passed, if asked for).</summary>
    Succeeded,
    /// <summary>A step failed and everything it changed was rolled back; the services are those of the previous release.</summary>
    RolledBack,
    /// <summary>A step failed and the rollback did not complete; see the message.</summary>
    Failed,
}

/// <summary>
/// One numbered release, recorded on every host of the product (not on the machine running the tool), so any
/// machine sees the same history. <see cref="Services"/> is what is installed after the operation: the whole
/// product's state, not only what the operation touched; for a rolled-back operation, the previous release's.
/// </summary>
/// <param name="Number">1, 2, 3...: one more than the highest number found on any host.</param>
/// <param name="Product">The product name.</param>
/// <param name="Version">The product version applied.</param>
/// <param name="Operation">The operation.</param>
public sealed record ReleaseRecord(int Number, string Product, string Version, LifecycleOperation Operation)
{
    /// <summary>Who ran it (the local user name).</summary>
    public string User { get; init; } = "";

    /// <summary>Where it ran from (the local machine name).</summary>
    public string Machine { get; init; } = "";

    /// <summary>When it started.</summary>
    public DateTimeOffset Started { get; init; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset Finished { get; init; }

    /// <summary>How it ended.</summary>
    public ReleaseOutcome Outcome { get; init; }

    /// <summary>Why it failed, when it did.</summary>
    public string? Message { get; init; }

    /// <summary>What the operation touched (<c>service@host</c> with its action).</summary>
    public IReadOnlyList<string> Touched { get; init; } = [];

    /// <summary>What the operation could not clean up and went on without (e.g. a delete hook killed at its timeout).</summary>
    public IReadOnlyList<LeftOver> LeftOver { get; init; } = [];

    /// <summary>The services installed after it, by name.</summary>
    public IReadOnlyList<ServiceRelease> Services { get; init; } = [];

    /// <summary>The package this release installed (<c>product.yaml</c> and each service's digest), whose service
    /// folders are kept on the targets for the last releases: <c>rollback</c> to it needs no package while they are.
    /// <c>null</c> for a release recorded without one.</summary>
    public ReleasePayload? Payload { get; init; }

    /// <summary>The record as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, OperationJson.Options);

    /// <summary>Reads a record written by <see cref="ToJson"/>.</summary>
    public static ReleaseRecord FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<ReleaseRecord>(json, OperationJson.Options) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new Errors.DeployException(Errors.DeployErrorCode.StateCorrupt, $"The release record {source} is not valid: {e.Message}", e) { Path = source };
        }
    }
}

/// <summary>One installed service in a release.</summary>
/// <param name="Name">The service.</param>
/// <param name="Version">Its version.</param>
/// <param name="Digest">Its content digest.</param>
/// <param name="Hosts">The hosts running it.</param>
public sealed record ServiceRelease(string Name, string Version, string Digest, IReadOnlyList<string> Hosts)
{
    /// <summary>Its config files as rendered (per host): the base of the next upgrade's three-way merge. They may
    /// hold secrets: records are stored readable by root only.</summary>
    public IReadOnlyList<ReleaseConfig> Configs { get; init; } = [];
}

/// <summary>A config file as rendered for one host.</summary>
/// <param name="Host">The host.</param>
/// <param name="Path">The file on the target.</param>
/// <param name="Content">The rendered content.</param>
public sealed record ReleaseConfig(string Host, string Path, string Content)
{
    /// <inheritdoc />
    public override string ToString() => $"ReleaseConfig({Host}:{Path}, {Content.Length} chars)";
}

/// <summary>The package of a release, as kept on the targets: enough to load it again without the package file.</summary>
/// <param name="ProductFile">The text of its <c>product.yaml</c>.</param>
/// <param name="Services">Every service folder of the package (installed or not) to its content digest.</param>
public sealed record ReleasePayload(string ProductFile, IReadOnlyDictionary<string, string> Services)
{
    /// <summary>The payload keys (<c>service/digest</c>) of its service folders.</summary>
    public IEnumerable<string> Keys => Services.Select(s => s.Key + "/" + s.Value);
}
