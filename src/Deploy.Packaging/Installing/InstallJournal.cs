using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Packaging.Installing;

/// <summary>
/// The journal an install keeps on the target (<c>&lt;install root&gt;/.deploy-journal.json</c>), written before the
/// first change and after every completed step. A rerun after a crash finds it and rolls the unfinished install
/// back (in reverse step order) before starting again; a finished install removes it.
/// </summary>
/// <param name="PackageName">The package being installed.</param>
/// <param name="PackageType">Its type.</param>
/// <param name="ReleaseName">The release folder.</param>
/// <param name="PreviousRelease">What <c>current</c> pointed to before.</param>
/// <param name="CompletedSteps">Steps done so far, in order.</param>
public sealed record InstallJournal(string PackageName, string PackageType, string ReleaseName, string? PreviousRelease, IReadOnlyList<string> CompletedSteps)
{
    /// <summary>The journal's file name in the install root.</summary>
    public const string FileName = ".deploy-journal.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Reads the journal of <paramref name="installRoot"/>, or <c>null</c> when there is none.</summary>
    public static async Task<InstallJournal?> ReadAsync(IHost host, string installRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var path = installRoot + "/" + FileName;
        if (!await host.ExistsAsync(path, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<InstallJournal>(await host.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Json)
                ?? throw new JsonException("empty journal");
        }
        catch (JsonException e)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The install journal '{path}' cannot be read ({e.Message}); inspect it, repair or remove it, then rerun.", e) { Host = host.Name, Path = path };
        }
    }

    /// <summary>Writes the journal atomically.</summary>
    public Task WriteAsync(IHost host, string installRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.WriteAllTextAsync(installRoot + "/" + FileName, JsonSerializer.Serialize(this, Json), null, cancellationToken);
    }

    /// <summary>Removes the journal (the install finished or was rolled back).</summary>
    public static Task DeleteAsync(IHost host, string installRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.RemoveAsync(installRoot + "/" + FileName, false, cancellationToken);
    }
}
