namespace Deploy.Core.Sequence.Model;

/// <summary>
/// A file (or a whole directory tree) a component deploys.
/// </summary>
/// <param name="Source">A local file, or a local directory whose files are all deployed below <paramref name="TargetPath"/>.</param>
/// <param name="TargetPath">The absolute destination path on the target (a directory when <paramref name="Source"/> is one).</param>
public sealed record ComponentFile(string Source, string TargetPath)
{
    /// <summary>What a change to this file does; <value>the default is <see cref="ChangeEvent.Restart"/></value>.</summary>
    public ChangeEvent ChangeEvent { get; init; } = ChangeEvent.Restart;

    /// <summary>Permission bits on the target; <c>null</c> copies the local file's mode.</summary>
    public UnixFileMode? Mode { get; init; }

    /// <summary>
    /// Set when the file is made by a build step rather than checked in (an exOS package's <c>&lt;Build&gt;</c>): names
    /// what builds it, e.g. <c>the &lt;Build&gt; of exOS package 'Belt.exospkg'</c>, so a missing file is reported as a
    /// missing build output of that component. <value>The default is <c>null</c>: a plain source file.</value>
    /// </summary>
    public string? BuiltBy { get; init; }
}
