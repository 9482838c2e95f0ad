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

    /// <summary>The text stored on the target: the operations core's holder record (<see cref="Operations.Locking.LockHolder.Encode"/>).</summary>
    public string Encode() => ToOperationHolder().Encode();

    /// <summary>Parses <see cref="Encode"/>'s text; throws <see cref="DeployErrorCode.StateCorrupt"/> when it is not a holder record.</summary>
    public static LockHolder Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var h = Operations.Locking.LockHolder.Decode(text);
        return new LockHolder(h.Machine, h.ProcessId, h.User, h.Started.UtcTicks, h.Id);
    }

    /// <summary>This holder as the operations core's <see cref="Operations.Locking.HostLock"/> records it.</summary>
    internal Operations.Locking.LockHolder ToOperationHolder() => new(Machine, ProcessId, User, Operation, Acquired, Id);

    /// <summary>The operation name recorded in the lock.</summary>
    internal const string Operation = "sequence-apply";

    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"pid {ProcessId} of {User} on {Machine}, since {Acquired:yyyy-MM-dd HH:mm:ss}Z (apply {Id})");

}
