using System.Globalization;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Releases;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>Release records on every host: one JSON file per release (<c>&lt;dir&gt;/000001.json</c>, mode 0600),
/// written atomically on all hosts, read back from all of them in one round trip each (the engine merges them).</summary>
internal sealed class HostReleaseStore(IReadOnlyList<(string Name, IHost Host)> hosts, string dir)
{
    private static readonly HostScript ReadScript = HostScript.FromResource(typeof(HostReleaseStore).Assembly, "lifecycle-read-releases.sh");

    /// <summary>Reads every host's records; with <paramref name="payloadRoot"/>, also lists each host's release payloads
    /// (<see cref="HostPayloadStore"/>) in the same command and gives them to <paramref name="payloads"/>.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ReleaseRecord>>> ReadAsync(CancellationToken cancellationToken, string? payloadRoot = null, Action<string, IReadOnlyList<HostPayloadStore.Listed>>? payloads = null)
    {
        var reads = hosts.Select(async h =>
        {
            // One round trip per host, however long the history.
            string[] args = payloadRoot is null ? [dir] : [dir, payloadRoot];
            var listing = (await h.Host.RunScriptAsync(ReadScript, args, null, cancellationToken).ConfigureAwait(false)).ThrowOnFailure().StandardOutput;
            var first = listing.IndexOf('\u0001', StringComparison.Ordinal);
            if (payloadRoot is not null)
            {
                payloads?.Invoke(h.Name, HostPayloadStore.Parse(first < 0 ? listing : listing[..first]));
            }

            var records = new List<ReleaseRecord>();
            foreach (var chunk in (first < 0 ? "" : listing[first..]).Split('\u0001', StringSplitOptions.RemoveEmptyEntries))
            {
                var newline = chunk.IndexOf('\n', StringComparison.Ordinal);
                var name = newline < 0 ? chunk : chunk[..newline];
                if (newline < 0 || name.Contains('/', StringComparison.Ordinal))
                {
                    continue;
                }

                records.Add(ReleaseRecord.FromJson(chunk[(newline + 1)..], $"{h.Name}:{dir}/{name}"));
            }

            return (h.Name, (IReadOnlyList<ReleaseRecord>)records.OrderBy(r => r.Number).ToList());
        });
        return (await Task.WhenAll(reads).ConfigureAwait(false)).ToDictionary(x => x.Name, x => x.Item2, StringComparer.Ordinal);
    }

    public Task WriteAsync(ReleaseRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = Encoding.UTF8.GetBytes(record.ToJson());
        var path = $"{dir}/{record.Number.ToString("D6", CultureInfo.InvariantCulture)}.json";
        return Task.WhenAll(hosts.Select(async h =>
        {
            using var stream = new MemoryStream(bytes, writable: false);
            await h.Host.WriteFileAsync(path, stream, new FileWriteOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite }, cancellationToken).ConfigureAwait(false);
        }));
    }
}
