using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Packaging.Agents;

/// <summary>Reads and writes an app's <see cref="AgentState"/> on a host (atomic write: temp, fsync, rename).</summary>
/// <param name="host">Where the app lives.</param>
/// <param name="appDirectory">The app's install root (holds <c>current</c>, <c>releases/</c>, <c>.deploy/</c>).</param>
public sealed class AgentStateStore(IHost host, string appDirectory)
{
    /// <summary>The state file's path.</summary>
    public string Path { get; } = appDirectory.TrimEnd('/') + "/.deploy/agent-state.json";

    /// <summary>Reads the state; a missing file is a fresh state. A corrupt one throws <see cref="DeployErrorCode.StateCorrupt"/>.</summary>
    public async Task<AgentState> ReadAsync(CancellationToken cancellationToken = default)
    {
        // One read, no stat first: an absent file is a fresh state.
        Stream stream;
        try
        {
            stream = await host.OpenReadAsync(Path, cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.RemotePathNotFound)
        {
            return new AgentState();
        }

        await using var _ = stream.ConfigureAwait(false);
        try
        {
            return await JsonSerializer.DeserializeAsync<AgentState>(stream, AgentJson.Options, cancellationToken).ConfigureAwait(false) ?? new AgentState();
        }
        catch (JsonException e)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The agent state {Path} on {host.Name} cannot be read: {e.Message}. It holds the highest index serial seen; restore it from a backup rather than deleting it.", e) { Host = host.Name, Path = Path };
        }
    }

    /// <summary>Writes the state atomically.</summary>
    public async Task WriteAsync(AgentState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var ms = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(state, AgentJson.Indented));
        await host.WriteFileAsync(Path, ms, new FileWriteOptions { Mode = (UnixFileMode)0b110_100_000 }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The release <c>current</c> points at (its folder name under <c>releases/</c>), or <c>null</c> when
    /// nothing is installed.</summary>
    internal async Task<string?> CurrentReleaseAsync(CancellationToken cancellationToken)
    {
        var target = (await host.StatAsync(appDirectory.TrimEnd('/') + "/current", cancellationToken).ConfigureAwait(false))?.LinkTarget;
        return target is null ? null : target.StartsWith("releases/", StringComparison.Ordinal) ? target["releases/".Length..] : System.IO.Path.GetFileName(target);
    }
}
