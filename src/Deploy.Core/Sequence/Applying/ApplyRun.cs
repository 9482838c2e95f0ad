using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Operations.Locking;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;
using Deploy.Core.Sequence.Services;
using Deploy.Core.Sequence.State;
using Deploy.Core.Sync;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// What the steps of one apply share (the context of its <see cref="Operations.Running.OperationRunner{TContext, TPayload}"/>):
/// the target's parts, the plan and its journal record, and what the run has done so far (service actions, files and
/// bytes sent, the staged state, whether the last step already released the lock).
/// </summary>
internal sealed partial class ApplyRun(ITargetStateStore store, IServiceManager services, IFileTransport transport, TimeProvider time, ILogger logger, IProgress<SequenceProgress>? progress, LockHolder holder)
{
    public ITargetStateStore Store { get; } = store;

    public IServiceManager Services { get; } = services;

    public IFileTransport Transport { get; } = transport;

    public TimeProvider Time { get; } = time;

    /// <summary>Records the apply's phase timings.</summary>
    public PhaseClock Clock { get; init; } = new(time);

    public ILogger Logger { get; } = logger;

    public IProgress<SequenceProgress>? Progress { get; } = progress;

    public LockHolder Holder { get; } = holder;

    /// <summary>The plan being applied; set before the runner starts.</summary>
    public Plan Plan { get; set; } = null!;

    /// <summary>The journal payload of <see cref="Plan"/>.</summary>
    public ApplyRecord Record { get; set; } = null!;

    public bool LockReleased { get; set; }

    public List<string> Actions { get; } = [];

    public int Files { get; set; }

    public long Bytes { get; set; }

    public bool StateStaged { get; set; }

    /// <summary>The transfer's own remote command committed the state, deleted the journal and released the lock.</summary>
    public bool CommittedWithTransfer { get; set; }

    /// <summary>The state serialized early (before the lock), if any, and what it serializes.</summary>
    public Task<FileUpload?>? PendingStage { get; set; }

    public TargetState? PendingState { get; set; }

    /// <summary>The staged upload of the plan's new state: the one serialized early when it matches, else a fresh one.</summary>
    public async Task<FileUpload?> TakeStagedStateAsync(CancellationToken cancellationToken)
    {
        if (PendingStage is { } pending)
        {
            PendingStage = null;
            var early = await pending.ConfigureAwait(false);
            if (ReferenceEquals(PendingState, Plan.NewState) || early is null)
            {
                return early;
            }

            await Store.DiscardStagedStateAsync(cancellationToken).ConfigureAwait(false);
        }

        return await Store.StageStateAsync(Plan.NewState, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for an early staging that was not used and discards it.</summary>
    public async Task DiscardPendingStageAsync()
    {
        var pending = PendingStage;
        PendingStage = null;
        if (pending is null)
        {
            return;
        }

        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Staging failed: nothing to discard, and the apply's own outcome is what gets reported.
        }

        await Store.DiscardStagedStateAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
