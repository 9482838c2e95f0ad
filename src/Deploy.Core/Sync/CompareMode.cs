namespace Deploy.Core.Sync;

/// <summary>How two manifests decide that a file changed.</summary>
public enum CompareMode
{
    /// <summary>
    /// Size and full-precision modification time (rsync's quick check, without its whole-second rounding). Cheap:
    /// no file is read. A change that keeps both the size and the modification time (e.g. content rewritten and
    /// the time restored with <c>touch -d</c>) is NOT seen; use <see cref="Checksum"/> for that.
    /// </summary>
    Quick,

    /// <summary>
    /// SHA-256 of the content (plus size): every content change is seen, at the cost of reading every local file.
    /// A recorded entry without a hash counts as changed.
    /// </summary>
    Checksum,
}
