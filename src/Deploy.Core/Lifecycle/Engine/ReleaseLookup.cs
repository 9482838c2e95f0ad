using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Scheduling;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>Finds the release a <c>rollback</c> goes back to, and rebuilds its input from the payloads kept on the targets.</summary>
internal static class ReleaseLookup
{
    /// <summary>Release <paramref name="number"/>, or (when <c>null</c>) the latest succeeded release before the current
    /// one that differs from it; refused unless it succeeded.</summary>
    public static ReleaseRecord Revision(ReleaseHistory history, int? number)
    {
        var current = history.Current;
        var target = number is { } n
            ? history.Get(n) ?? throw new DeployException(DeployErrorCode.InvalidArgument, $"There is no release {n}; releases: {string.Join(", ", history.Releases.Select(r => r.Number))}.") { Path = "revision" }
            : history.Releases.LastOrDefault(r => r.Outcome == ReleaseOutcome.Succeeded && r.Number < (current?.Number ?? 0) && r.ToJson() != current!.ToJson() && !SameServices(r, current))
              ?? throw new DeployException(DeployErrorCode.InvalidArgument, "There is no earlier release to roll back to.") { Path = "revision" };
        return target.Outcome == ReleaseOutcome.Succeeded
            ? target
            : throw new DeployException(DeployErrorCode.InvalidArgument, $"Release {target.Number} {target.Outcome.ToString().ToLowerInvariant()}; roll back to a release that succeeded.") { Path = "revision" };
    }

    /// <summary>The input of <paramref name="target"/> rebuilt from what the targets keep (see <see cref="LifecycleEngine.ReleaseInputAsync"/>).</summary>
    public static async Task<LifecycleInput> InputAsync(ILifecycleBackend backend, ReleaseRecord target, int keptReleasePayloads, string directory, IReadOnlyDictionary<string, object?>? siteValues, CancellationToken cancellationToken)
    {
        var payload = target.Payload ?? throw new DeployException(DeployErrorCode.ReleasePayloadMissing, $"Release {target.Number} ({target.Product} {target.Version}) was recorded without its payload; give its package to roll back to it.") { Path = "revision" };
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, ProductLoader.ProductFile), payload.ProductFile, cancellationToken).ConfigureAwait(false);
        foreach (var (service, digest) in payload.Services)
        {
            var hosts = target.Services.FirstOrDefault(s => s.Name == service)?.Hosts ?? [];
            if (!await backend.FetchPayloadAsync(service, digest, hosts, Path.Combine(directory, service), cancellationToken).ConfigureAwait(false))
            {
                throw new DeployException(DeployErrorCode.ReleasePayloadMissing, $"The payload of release {target.Number} ({target.Product} {target.Version}) is no longer on the targets: service '{service}' (digest {digest[..Math.Min(12, digest.Length)]}) was pruned (only the last {keptReleasePayloads} releases keep theirs); give the package of release {target.Number} to roll back to it.") { Service = service, Path = "revision" };
            }
        }

        var product = await ProductLoader.LoadAsync(directory, cancellationToken).ConfigureAwait(false);
        var schedule = new Schedule(product.Name, target.Services.Select(s => new ScheduledService(s.Name, s.Hosts)).ToList());
        return new LifecycleInput(product, schedule) { SiteValues = siteValues ?? ValueTree.Empty };
    }

    private static bool SameServices(ReleaseRecord a, ReleaseRecord? b) =>
        b is not null && a.Services.Select(s => s.Name + s.Digest).Order(StringComparer.Ordinal).SequenceEqual(b.Services.Select(s => s.Name + s.Digest).Order(StringComparer.Ordinal), StringComparer.Ordinal);
}
