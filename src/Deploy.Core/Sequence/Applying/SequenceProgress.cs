using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.Applying;

/// <summary>What a <see cref="SequenceProgress"/> event reports.</summary>
public enum SequenceEventKind
{
    /// <summary>An interrupted apply's journal was found and is being completed.</summary>
    Resuming,
    /// <summary>A step begins.</summary>
    StepStarted,
    /// <summary>A step finished.</summary>
    StepCompleted,
    /// <summary>Bytes of the bulk transfer moved.</summary>
    Transfer,
    /// <summary>A service failed and its component's ErrorHandling is Continue.</summary>
    Warning,
    /// <summary>Nothing to do.</summary>
    UpToDate,
}

/// <summary>One progress event of an apply.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Message">A human-readable line.</param>
public sealed record SequenceProgress(SequenceEventKind Kind, string Message)
{
    /// <summary>The step, for step events.</summary>
    public PlanStep? Step { get; init; }

    /// <summary>Steps in the plan being applied.</summary>
    public int StepCount { get; init; }

    /// <summary>Files transferred so far, for transfer events.</summary>
    public int FilesDone { get; init; }

    /// <summary>Files in the transfer.</summary>
    public int FilesTotal { get; init; }

    /// <summary>Bytes transferred so far.</summary>
    public long BytesDone { get; init; }

    /// <summary>Bytes in the transfer.</summary>
    public long BytesTotal { get; init; }
}
