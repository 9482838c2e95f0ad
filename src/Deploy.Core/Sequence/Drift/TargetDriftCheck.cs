using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.State;

namespace Deploy.Core.Sequence.Drift;

/// <summary>
/// Lists what a target really holds under its deployed roots, for a drift check (<see cref="PlanOptions.Verify"/>).
/// <see cref="HostDriftCheck"/> lists an <see cref="IHost"/>'s trees; another backend can implement its own.
/// </summary>
public interface ITargetDriftCheck
{
    /// <summary>Compares the live target under the roots of <paramref name="definition"/> with <paramref name="recorded"/>.</summary>
    Task<TargetDrift> CheckAsync(TargetDefinition definition, TargetState recorded, CancellationToken cancellationToken = default);
}

/// <summary>
/// The drift check on an <see cref="IHost"/>: every deployed root of the definition (a directory source's target
/// directory, or a single file) is listed with <see cref="IHost.ListTreeAsync"/> (<see cref="IHost.StatAsync"/> for
/// a single file), all at once, so the check costs one round trip of latency; nested roots are listed once.
/// </summary>
/// <param name="host">The target.</param>
public sealed class HostDriftCheck(IHost host) : ITargetDriftCheck
{
    private readonly IHost _host = host ?? throw new ArgumentNullException(nameof(host));

    /// <inheritdoc />
    public async Task<TargetDrift> CheckAsync(TargetDefinition definition, TargetState recorded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(recorded);
        var roots = Roots(definition);
        var recordedPaths = recorded.Files.Concat(recorded.Components.SelectMany(c => c.Files)).Select(f => f.Entry.Path).ToHashSet(StringComparer.Ordinal);
        var listings = roots.Select(async root =>
        {
            if (recordedPaths.Contains(root))
            {
                var info = await _host.StatAsync(root, cancellationToken).ConfigureAwait(false);
                return info is null ? [] : new[] { (root, info) };
            }

            var tree = await _host.ListTreeAsync(root, cancellationToken).ConfigureAwait(false);
            return tree.Select(e => (PosixPath.Combine(root, e.Path), e)).ToArray();
        }).ToList();
        var live = new Dictionary<string, RemoteFileInfo>(StringComparer.Ordinal);
        foreach (var listing in await Task.WhenAll(listings).ConfigureAwait(false))
        {
            foreach (var (path, info) in listing)
            {
                live[path] = info;
            }
        }

        return TargetDrift.Compare(recorded, roots, live);
    }

    /// <summary>The definition's deployed roots, without those nested in another.</summary>
    internal static IReadOnlyList<string> Roots(TargetDefinition definition)
    {
        var all = definition.Files.Concat(definition.Components.SelectMany(c => c.Files))
            .Select(f => f.TargetPath.Length > 1 ? f.TargetPath.TrimEnd('/') : f.TargetPath)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var roots = new List<string>();
        foreach (var r in all)
        {
            if (!roots.Any(p => r.StartsWith(p, StringComparison.Ordinal) && (p == "/" || r[p.Length] == '/')))
            {
                roots.Add(r);
            }
        }

        return roots;
    }
}
