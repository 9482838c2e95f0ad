namespace Deploy.Core.Lifecycle.Releases;

/// <summary>
/// The releases read back from every host of a product, merged (pure): a record is identified by its number; the
/// copy found on most hosts wins (ties: the later finish). <see cref="Current"/> is the newest view consistent across
/// hosts: the newest release whose record is on every host it lists.
/// </summary>
public sealed record ReleaseHistory
{
    /// <summary>The releases, oldest first.</summary>
    public IReadOnlyList<ReleaseRecord> Releases { get; init; } = [];

    /// <summary>For each release number, the hosts holding its record.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<string>> Holders { get; init; } = new Dictionary<int, IReadOnlyList<string>>();

    /// <summary>The number the next release gets.</summary>
    public int NextNumber => Releases.Count == 0 ? 1 : Releases[^1].Number + 1;

    /// <summary>The newest release recorded on every host it lists (what is installed now); <c>null</c> when none.</summary>
    public ReleaseRecord? Current => Releases.LastOrDefault(IsConsistent);

    /// <summary>The release numbered <paramref name="number"/>, or <c>null</c>.</summary>
    public ReleaseRecord? Get(int number) => Releases.FirstOrDefault(r => r.Number == number);

    /// <summary>Whether <paramref name="record"/> is on every host its services run on.</summary>
    public bool IsConsistent(ReleaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var holders = Holders.TryGetValue(record.Number, out var h) ? h : [];
        return record.Services.SelectMany(s => s.Hosts).All(holders.Contains);
    }

    /// <summary>Merges the records read from each host (host name to its records).</summary>
    public static ReleaseHistory Merge(IReadOnlyDictionary<string, IReadOnlyList<ReleaseRecord>> perHost)
    {
        ArgumentNullException.ThrowIfNull(perHost);
        var byNumber = perHost
            .SelectMany(h => h.Value.Select(r => (Host: h.Key, Record: r)))
            .GroupBy(x => x.Record.Number)
            .OrderBy(g => g.Key)
            .ToList();
        var releases = new List<ReleaseRecord>();
        var holders = new Dictionary<int, IReadOnlyList<string>>();
        foreach (var g in byNumber)
        {
            var best = g.GroupBy(x => x.Record.ToJson(), StringComparer.Ordinal)
                .OrderByDescending(v => v.Count())
                .ThenByDescending(v => v.First().Record.Finished)
                .First();
            releases.Add(best.First().Record);
            holders[g.Key] = best.Select(x => x.Host).Order(StringComparer.Ordinal).ToList();
        }

        return new ReleaseHistory { Releases = releases, Holders = holders };
    }
}
