using System.Globalization;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Releases;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>Release records on every host: one JSON file per release (<c>&lt;dir&gt;/000001.json</c>, mode 0600),
/// written atomically on all hosts, read back from all of them (the engine merges them).</summary>
internal sealed class HostReleaseStore(IReadOnlyList<(string Name, IHost Host)> hosts, string dir)
{
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ReleaseRecord>>> ReadAsync(CancellationToken cancellationToken)
    {
        var reads = hosts.Select(async h =>
        {
            var records = new List<ReleaseRecord>();
            foreach (var f in (await h.Host.ListTreeAsync(dir, cancellationToken).ConfigureAwait(false)).Where(f => f.Kind == FileKind.File && f.Path.EndsWith(".json", StringComparison.Ordinal) && !f.Path.Contains('/', StringComparison.Ordinal)))
            {
                var path = $"{dir}/{f.Path}";
                records.Add(ReleaseRecord.FromJson(await HostsBackend.ReadTextAsync(h.Host, path, cancellationToken).ConfigureAwait(false), $"{h.Name}:{path}"));
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
