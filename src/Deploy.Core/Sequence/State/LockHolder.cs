using System.Globalization;
using Deploy.Core.Errors;

namespace Deploy.Core.Sequence;

/// <summary>Who holds a target lock: the machine and process running the apply, the user, and since when.</summary>
/// <param name="Machine">The controller machine's name.</param>
/// <param name="ProcessId">The apply's process id on that machine.</param>
/// <param name="User">The user running it.</param>
/// <param name="AcquiredUtcTicks">When the lock was taken (UTC ticks).</param>
/// <param name="Id">A unique id of this apply.</param>
public sealed record LockHolder(string Machine, int ProcessId, string User, long AcquiredUtcTicks, string Id)
{
    /// <summary>The holder for this process.</summary>
    public static LockHolder ForCurrentProcess(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new LockHolder(Environment.MachineName, Environment.ProcessId, Environment.UserName, timeProvider.GetUtcNow().UtcTicks, Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>When the lock was taken.</summary>
    public DateTimeOffset Acquired => new(AcquiredUtcTicks, TimeSpan.Zero);

    /// <summary>
    /// Whether the holder is provably gone: it ran on this machine and its process no longer exists. A holder on
    /// another machine cannot be checked and is never called stale.
    /// </summary>
    public bool IsProvablyGone()
    {
        if (!string.Equals(Machine, Environment.MachineName, StringComparison.Ordinal))
        {
            return false;
        }

        if (ProcessId == Environment.ProcessId)
        {
            return false;
        }

        return !Operations.ProcessLiveness.IsAlive(ProcessId);
    }

    /// <summary>The compact text stored on the target (a symlink's target: created atomically, read with the listing).</summary>
    public string Encode() => string.Join('|', Esc(Machine), ProcessId.ToString(CultureInfo.InvariantCulture), Esc(User), AcquiredUtcTicks.ToString(CultureInfo.InvariantCulture), Id);

    /// <summary>Parses <see cref="Encode"/>'s text.</summary>
    public static LockHolder Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = text.Split('|');
        if (p.Length != 5 || !int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !long.TryParse(p[3], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, "The target lock is malformed; inspect it and remove it by hand if no apply is running.");
        }

        return new LockHolder(Unesc(p[0]), pid, Unesc(p[2]), ticks, p[4]);
    }

    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"pid {ProcessId} of {User} on {Machine}, since {Acquired:yyyy-MM-dd HH:mm:ss}Z (apply {Id})");

    private static string Esc(string s) => Uri.EscapeDataString(s);

    private static string Unesc(string s) => Uri.UnescapeDataString(s);
}
