using System.Text;
using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Core.Operations.Journaling;

/// <summary>
/// Reads and writes an <see cref="OperationJournal{TPayload}"/> at one path on an <see cref="IHost"/>. Writes are
/// atomic (temp + fsync + rename): a small journal travels as an argument of one command (one cheap round trip on
/// SSH), a large one through <see cref="IHost.WriteFileAsync"/> (also temp + fsync + rename). Reads check the
/// version and the kind and fail with <see cref="DeployErrorCode.StateCorrupt"/> naming the host and the path.
/// </summary>
public sealed class JournalStore : IJournalStore
{
    /// <summary>Journals up to this many bytes are written by one command carrying the text as an argument.</summary>
    private const int InlineLimit = 16 * 1024;

    private static readonly HostScript WriteScript = HostScript.FromResource(typeof(JournalStore).Assembly, "journal-write.sh");

    private readonly IHost _host;

    /// <summary>Creates the store of the journal at <paramref name="path"/> on <paramref name="host"/>.</summary>
    public JournalStore(IHost host, string path)
    {
        ArgumentNullException.ThrowIfNull(host);
        PosixPath.EnsureAbsolute(path);
        _host = host;
        Path = path;
    }

    /// <summary>The journal's path on the target.</summary>
    public string Path { get; }

    /// <summary>The host.</summary>
    public IHost Host => _host;

    /// <summary>The host's name.</summary>
    public string Location => _host.Name;

    /// <summary>Reads the journal; <c>null</c> when there is none.</summary>
    /// <param name="kind">The operation kind expected; a journal of another kind is refused.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<OperationJournal<TPayload>?> ReadAsync<TPayload>(string kind, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        byte[] bytes;
        try
        {
            bytes = await _host.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.RemotePathNotFound)
        {
            return null;
        }

        return Parse<TPayload>(bytes, kind);
    }

    /// <summary>Parses journal bytes read elsewhere (e.g. with a listing), with the same checks as <see cref="ReadAsync"/>.</summary>
    public OperationJournal<TPayload> Parse<TPayload>(ReadOnlySpan<byte> utf8Json, string kind) => Parse<TPayload>(utf8Json, kind, _host.Name, Path);

    /// <summary>
    /// Parses journal bytes kept anywhere (a file, a Secret): checks the format version and the kind and fails with
    /// <see cref="DeployErrorCode.StateCorrupt"/> naming <paramref name="location"/> and <paramref name="path"/>. The one
    /// journal reader of every <see cref="IJournalStore"/>.
    /// </summary>
    /// <param name="utf8Json">The journal's JSON.</param>
    /// <param name="kind">The operation kind expected.</param>
    /// <param name="location">Where it was read (a host name, a cluster namespace), for errors.</param>
    /// <param name="path">Its path or name there, for errors.</param>
    public static OperationJournal<TPayload> Parse<TPayload>(ReadOnlySpan<byte> utf8Json, string kind, string location, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        DeployException Corrupt(string what, Exception? inner)
            => new(DeployErrorCode.StateCorrupt, $"The journal {path} on {location} cannot be used: {what}. Inspect the target; remove the journal only when you know the interrupted operation's state.", inner) { Host = location, Path = path };

        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var v) || !v.TryGetInt32(out var version))
            {
                throw Corrupt("it has no version; it was not written by this SDK's operations core", null);
            }

            if (version != OperationJournal<TPayload>.CurrentVersion)
            {
                throw Corrupt($"it is format version {version}, this SDK reads version {OperationJournal<TPayload>.CurrentVersion} (was it written by a newer SDK?)", null);
            }

            var journal = root.Deserialize<OperationJournal<TPayload>>(OperationJson.Options) ?? throw new JsonException("null journal");
            if (!string.Equals(journal.Kind, kind, StringComparison.Ordinal))
            {
                throw Corrupt($"it is the journal of a '{journal.Kind}' operation, not of '{kind}'", null);
            }

            if (journal.Steps is null || journal.Payload is null)
            {
                throw new JsonException("steps or payload missing");
            }

            return journal;
        }
        catch (JsonException e)
        {
            throw Corrupt("it is not valid: " + e.Message, e);
        }
    }

    /// <summary>The journal's JSON as every <see cref="IJournalStore"/> stores it (read back by <see cref="Parse{TPayload}(ReadOnlySpan{byte}, string, string, string)"/>).</summary>
    /// <param name="journal">The journal.</param>
    public static byte[] Serialize<TPayload>(OperationJournal<TPayload> journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return JsonSerializer.SerializeToUtf8Bytes(journal, OperationJson.Options);
    }

    /// <summary>Writes the journal atomically (readers see the previous one or this one, never a part).</summary>
    public async Task WriteAsync<TPayload>(OperationJournal<TPayload> journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var bytes = Serialize(journal);
        if (bytes.Length > InlineLimit || bytes.AsSpan().IndexOf((byte)0) >= 0)
        {
            await _host.WriteAllBytesAsync(Path, bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        var r = await _host.RunScriptAsync(WriteScript, [Path, Encoding.UTF8.GetString(bytes)], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Could not write the journal {Path} on {_host.Name}: {r.StandardError.Trim()}") { Host = _host.Name, Path = Path, ExitCode = r.ExitCode };
        }
    }

    /// <summary>Deletes the journal (absent is fine).</summary>
    public Task DeleteAsync(CancellationToken cancellationToken = default)
        => _host.RemoveAsync(Path, cancellationToken: cancellationToken);
}
