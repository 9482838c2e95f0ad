using System.Globalization;
using Deploy.Core.Errors;

namespace Deploy.Core.Operations.Locking;

/// <summary>
/// Who holds a <see cref="HostLock"/>: the controller machine and process running the operation, the user, the
/// operation's name, when it started, and a unique id. The heartbeat is not part of the record: it is the lock's
/// modification time (renewed with <c>touch -h</c>), read with the same listing.
/// </summary>
/// <param name="Machine">The controller machine's name (where <see cref="ProcessId"/> lives).</param>
/// <param name="ProcessId">The operation's process id on that machine.</param>
/// <param name="User">The user running it.</param>
/// <param name="Operation">What it is doing, e.g. <c>package-install</c> or <c>sequence-apply</c>.</param>
/// <param name="Started">When the lock was taken.</param>
/// <param name="Id">A unique id of this holding.</param>
public sealed record LockHolder(string Machine, int ProcessId, string User, string Operation, DateTimeOffset Started, string Id)
{
    private const string Prefix = "v1|";

    /// <summary>The holder for this process, starting now.</summary>
    /// <param name="operation">What the process is doing.</param>
    /// <param name="timeProvider">The clock.</param>
    public static LockHolder ForCurrentProcess(string operation, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new LockHolder(Environment.MachineName, Environment.ProcessId, Environment.UserName, operation, timeProvider.GetUtcNow(), Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>
    /// Whether the holder is provably gone: it ran on this machine (same machine name) and its process no longer
    /// exists or is a zombie (<see cref="ProcessLiveness"/>). A holder on another machine cannot be checked here
    /// and is never called gone; its heartbeat tells instead.
    /// </summary>
    public bool IsProvablyGone()
        => string.Equals(Machine, Environment.MachineName, StringComparison.Ordinal) && !ProcessLiveness.IsAlive(ProcessId);

    /// <summary>
    /// The compact text stored as the lock symlink's target (created atomically with one <c>symlink(2)</c>, read back
    /// with <c>readlink</c> or a listing): <c>v1|machine|pid|user|operation|started-ticks|id</c>, fields escaped.
    /// </summary>
    public string Encode() => Prefix + string.Join(
        '|',
        Esc(Machine),
        ProcessId.ToString(CultureInfo.InvariantCulture),
        Esc(User),
        Esc(Operation),
        Started.UtcTicks.ToString(CultureInfo.InvariantCulture),
        Esc(Id));

    /// <summary>Parses <see cref="Encode"/>'s text; <see cref="DeployErrorCode.StateCorrupt"/> when it is not a holder.</summary>
    /// <param name="text">The symlink's target text.</param>
    /// <param name="host">The host, for the error.</param>
    /// <param name="path">The lock path, for the error.</param>
    public static LockHolder Decode(string text, string? host = null, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..].Split('|') : [];
        if (p.Length != 6
            || !int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(p[4], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new DeployException(DeployErrorCode.StateCorrupt, $"The lock {path} on {host} is not a lock this SDK wrote. Make sure no operation is running, then remove it by hand.") { Host = host, Path = path };
        }

        return new LockHolder(Unesc(p[0]), pid, Unesc(p[2]), Unesc(p[3]), new DateTimeOffset(ticks, TimeSpan.Zero), Unesc(p[5]));
    }

    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Operation} {Id} (pid {ProcessId} of {User} on {Machine}, since {Started.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");

    private static string Esc(string s) => Uri.EscapeDataString(s);

    private static string Unesc(string s) => Uri.UnescapeDataString(s);
}
