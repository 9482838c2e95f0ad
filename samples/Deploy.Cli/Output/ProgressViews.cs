using Deploy.Core.Fleet;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Operations;
using Deploy.Core.Sequence.Applying;
using Deploy.Packaging.Agents;

namespace Deploy.Cli.Output;

/// <summary>
/// Runs long work with the progress view the output mode calls for: a <see cref="LiveBoard"/> on a terminal, plain
/// lines when redirected (or on stderr with <c>--output json</c>), nothing but the result with <c>--quiet</c>. One
/// adapter per typed progress of the SDK: lifecycle, sequence, fleet, operations (package install, image update) and
/// agent updates.
/// </summary>
internal static class ProgressViews
{
    /// <summary>A lifecycle operation: one row per service on a host (<paramref name="plain"/>: the lines to print
    /// instead when the output is not a terminal; default: every event but completions and timings).</summary>
    public static Task<T> LifecycleAsync<T>(string title, Func<IProgress<LifecycleProgress>, Task<T>> work, IProgress<LifecycleProgress>? plain = null)
    {
        var output = CliOutput.Current;
        if (!output.Interactive)
        {
            return work(plain ?? new SyncProgress<LifecycleProgress>(e => PlainLifecycle(output, e)));
        }

        return LiveBoard.RunAsync(title, board => work(new SyncProgress<LifecycleProgress>(e => LiveLifecycle(board, output, e))));
    }

    /// <summary>A sequence apply: one row per step, the transfer bar.</summary>
    public static Task<T> SequenceAsync<T>(string title, Func<IProgress<SequenceProgress>, Task<T>> work)
    {
        var output = CliOutput.Current;
        if (!output.Interactive)
        {
            return work(new SyncProgress<SequenceProgress>(e => PlainSequence(output, e)));
        }

        return LiveBoard.RunAsync(title, board => work(new SyncProgress<SequenceProgress>(e =>
        {
            switch (e.Kind)
            {
                case SequenceEventKind.StepStarted:
                    board.Set(StepKey(e), RowState.Running, e.Step!.Reason);
                    break;
                case SequenceEventKind.StepCompleted:
                    board.Set(StepKey(e), RowState.Done);
                    break;
                case SequenceEventKind.Transfer:
                    board.TransferProgress(e.BytesDone, e.BytesTotal, e.FilesDone, e.FilesTotal);
                    break;
                default:
                    board.Note("  " + e.Message);
                    break;
            }
        })));
    }

    /// <summary>A fleet run: one row per host.</summary>
    public static Task<T> FleetAsync<T>(string title, Func<IProgress<FleetProgress>, Task<T>> work)
    {
        var output = CliOutput.Current;
        if (!output.Interactive)
        {
            var gate = new object();
            return work(new SyncProgress<FleetProgress>(e =>
            {
                lock (gate)
                {
                    PlainFleet(output, e);
                }
            }));
        }

        return LiveBoard.RunAsync(title, board => work(new SyncProgress<FleetProgress>(e =>
        {
            switch (e.Kind)
            {
                case FleetProgressKind.BatchStarted:
                    board.Headline($"{title}: batch {e.Batch + 1}/{e.BatchCount} ({e.BatchSize} host(s))");
                    break;
                case FleetProgressKind.HostStarted:
                    board.Set(e.Host!, RowState.Running);
                    break;
                case FleetProgressKind.HostSucceeded:
                    board.Set(e.Host!, RowState.Done);
                    break;
                case FleetProgressKind.HostFailed:
                    board.Set(e.Host!, RowState.Failed, e.Message);
                    break;
                case FleetProgressKind.HostCancelled:
                    board.Set(e.Host!, RowState.Skipped, "cancelled");
                    break;
                case FleetProgressKind.RolloutAborted:
                    board.Headline($"{title}: halted");
                    board.Note($"halted: {e.Message}");
                    break;
            }
        })));
    }

    /// <summary>An operation of the operations core (package install, image update): one row per step.</summary>
    public static Task<T> OperationAsync<T>(string title, Func<IProgress<OperationProgress>, Task<T>> work)
    {
        var output = CliOutput.Current;
        if (!output.Interactive)
        {
            return work(new SyncProgress<OperationProgress>(e =>
            {
                if (e.Kind is not (OperationEventKind.StepCompleted or OperationEventKind.Completed))
                {
                    output.Line($"==> {e.Message}");
                }
            }));
        }

        return LiveBoard.RunAsync(title, board => work(new SyncProgress<OperationProgress>(e =>
        {
            var key = e.Step ?? e.Operation;
            switch (e.Kind)
            {
                case OperationEventKind.StepStarted:
                    board.Set(key, RowState.Running, e.Message);
                    break;
                case OperationEventKind.StepCompleted:
                    board.Set(key, RowState.Done);
                    break;
                case OperationEventKind.StepRolledBack:
                    board.Set(key, RowState.Skipped, "rolled back");
                    break;
                case OperationEventKind.Completed:
                    board.Headline($"{title}: {e.Message}");
                    break;
                default:
                    board.Note("  " + e.Message);
                    break;
            }
        })));
    }

    /// <summary>One agent update (pull): one row per phase, the download as a transfer bar.</summary>
    public static Task<T> AgentAsync<T>(string title, Func<IProgress<AgentProgress>, Task<T>> work)
    {
        var output = CliOutput.Current;
        if (!output.Interactive)
        {
            return work(new SyncProgress<AgentProgress>(p => output.Line($"{p.Phase}: {p.Message}")));
        }

        var last = (AgentPhase?)null;
        return LiveBoard.RunAsync(title, board => work(new SyncProgress<AgentProgress>(p =>
        {
            if (last is { } previous && previous != p.Phase)
            {
                board.Set(previous.ToString(), RowState.Done);
            }

            last = p.Phase;
            board.Set(p.Phase.ToString(), RowState.Running, p.Message);
            if (p.Phase == AgentPhase.Download && p.TotalBytes > 0)
            {
                board.TransferProgress(p.Bytes, p.TotalBytes, p.Bytes >= p.TotalBytes ? 1 : 0, 1);
            }
        })));
    }

    private static void PlainLifecycle(CliOutput output, LifecycleProgress e)
    {
        switch (e.Kind)
        {
            case LifecycleEventKind.Planned:
                output.Text(e.Message.EndsWith('\n') ? e.Message : e.Message + "\n");
                break;
            case LifecycleEventKind.StepCompleted:
                if (output.Verbose)
                {
                    output.Line(e.Message);
                }

                break;
            case LifecycleEventKind.Timings when !output.Verbose:
                break;
            default:
                output.Line(e.Kind is LifecycleEventKind.Output ? "  " + e.Message : e.Message);
                break;
        }
    }

    private static void LiveLifecycle(LiveBoard board, CliOutput output, LifecycleProgress e)
    {
        var key = e.Service is null ? null : e.Host is null ? e.Service : $"{e.Service}@{e.Host}";
        switch (e.Kind)
        {
            case LifecycleEventKind.Planned:
                board.Headline(FirstLine(e.Message));
                break;
            case LifecycleEventKind.StepStarted when key is not null:
                board.Set(key, RowState.Running, Strip(e.Message));
                break;
            case LifecycleEventKind.StepCompleted when key is not null:
                board.Set(key, RowState.Done);
                break;
            case LifecycleEventKind.Output when key is not null:
                board.Detail(key, Strip(e.Message));
                if (output.Verbose)
                {
                    board.Note("  " + e.Message);
                }

                break;
            case LifecycleEventKind.Transferred when key is not null:
                board.Detail(key, Strip(e.Message));
                break;
            case LifecycleEventKind.TestPassed when key is not null:
                board.Set(key, RowState.Done, "test passed");
                break;
            case LifecycleEventKind.TestFailed or LifecycleEventKind.HookTimedOut when key is not null:
                board.Set(key, RowState.Failed, Strip(e.Message));
                board.Note(e.Message);
                break;
            case LifecycleEventKind.Recorded:
                board.Headline(FirstLine(e.Message));
                break;
            case LifecycleEventKind.RollingBack or LifecycleEventKind.Resuming:
                board.Headline(FirstLine(e.Message));
                board.Note(e.Message);
                break;
            case LifecycleEventKind.Timings:
                if (output.Verbose)
                {
                    board.Note(e.Message);
                }

                break;
            default:
                board.Note(e.Message);
                break;
        }
    }

    private static void PlainSequence(CliOutput output, SequenceProgress e)
    {
        switch (e.Kind)
        {
            case SequenceEventKind.StepStarted:
                output.Line($"  {e.Message}  -- {e.Step!.Reason}");
                break;
            case SequenceEventKind.Transfer when output.Verbose:
                output.Line($"  transfer: {e.FilesDone}/{e.FilesTotal} files, {e.BytesDone}/{e.BytesTotal} bytes");
                break;
            case SequenceEventKind.Resuming or SequenceEventKind.Warning or SequenceEventKind.UpToDate:
                output.Line($"  {e.Message}");
                break;
        }
    }

    private static void PlainFleet(CliOutput output, FleetProgress value)
    {
        switch (value.Kind)
        {
            case FleetProgressKind.BatchStarted when value.BatchCount > 1:
                output.Line($"batch {value.Batch + 1}/{value.BatchCount}: {value.BatchSize} host(s)");
                break;
            case FleetProgressKind.HostStarted when output.Verbose:
                output.Line($"  {value.Host} started");
                break;
            case FleetProgressKind.HostSucceeded:
            case FleetProgressKind.HostFailed:
                output.Line($"  [{value.Completed}/{value.Total}] {value.Host} {(value.Kind == FleetProgressKind.HostSucceeded ? "ok" : "FAILED")}");
                break;
            case FleetProgressKind.RolloutAborted:
                output.Line($"  aborting: {value.Message}");
                break;
        }
    }

    private static string StepKey(SequenceProgress e) => e.Step is { } s ? $"{s.Index + 1,3}. {s.Describe()}" : e.Message;

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');

    /// <summary>The message without its <c>[service@host]</c> prefix (the row names them).</summary>
    private static string Strip(string message) => message.StartsWith('[') && message.IndexOf("] ", StringComparison.Ordinal) is var i and > 0 ? message[(i + 2)..] : message;
}
