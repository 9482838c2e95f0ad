using Deploy.Core.Errors;

namespace Deploy.Core.Lifecycle.Merge;

/// <summary>The outcome of <see cref="ThreeWayMerge.Merge"/>: the merged text when there is no conflict, else the conflicts.</summary>
public sealed class MergeResult
{
    private readonly IReadOnlyList<MergeChunk> _chunks;

    internal MergeResult(string file, string live, IReadOnlyList<MergeChunk> chunks)
    {
        File = file;
        Live = live;
        _chunks = chunks;
        Conflicts = chunks.Where(c => c.Conflict is not null).Select(c => c.Conflict!).ToList();
    }

    /// <summary>The config file.</summary>
    public string File { get; }

    /// <summary>The file on the target, as given.</summary>
    public string Live { get; }

    /// <summary>The conflicts, in file order.</summary>
    public IReadOnlyList<MergeConflict> Conflicts { get; }

    /// <summary>Whether any lines conflict.</summary>
    public bool HasConflicts => Conflicts.Count > 0;

    /// <summary>The merged text; throws <see cref="DeployErrorCode.MergeConflict"/> when there are conflicts (use <see cref="Resolve"/>).</summary>
    public string Text => HasConflicts ? throw ConflictError() : string.Concat(_chunks.Select(c => c.Text));

    /// <summary>Whether the merged text differs from the file on the target (i.e. whether it must be written). Conflicts count as a change.</summary>
    public bool ChangesLive => HasConflicts || !string.Equals(Text, Live, StringComparison.Ordinal);

    /// <summary>The merged text with every conflict settled by <paramref name="resolution"/>.</summary>
    public string Resolve(ConflictResolution resolution) => string.Concat(_chunks.Select(c => c.Conflict is null
        ? c.Text
        : resolution == ConflictResolution.TakeNew ? c.Conflict.NewText : c.Conflict.LiveText));

    /// <summary>Throws <see cref="DeployErrorCode.MergeConflict"/> describing every conflict when there is one.</summary>
    /// <param name="redact">Applied to the texts shown (e.g. <c>RenderedText.Redact</c>), so secrets stay out of the message.</param>
    public MergeResult ThrowOnConflict(Func<string, string>? redact = null) => HasConflicts ? throw ConflictError(redact) : this;

    private DeployException ConflictError(Func<string, string>? redact = null) => new(
        DeployErrorCode.MergeConflict,
        $"{Conflicts.Count} conflict(s) between edits on the target and the package in {File}; choose --take-new or --keep-live.\n"
            + string.Join("\n", Conflicts.Select(c => c.Describe(redact))))
    {
        Path = File,
    };
}
