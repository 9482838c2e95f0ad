namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The POSIX sh (and perl) scripts behind a remote host's file operations, kept as resource files in
/// <c>Scripts/</c> whose header states their argument contract. Each runs as <c>/bin/sh -c script sh args...</c>:
/// paths and names arrive as positional parameters and are never spliced into script text. Exit 3 means "path not
/// found" everywhere. Nothing here depends on the transport: any way of running a command on the host can use them.
/// </summary>
internal static class RemoteScripts
{
    /// <summary>Exit code of a script when its path does not exist.</summary>
    public const int NotFound = 3;

    /// <summary>Kills a job: every process whose environment holds <c>DEPLOY_SSH_JOB=$1</c>.</summary>
    public static readonly HostScript KillJob = Load("host-kill-job.sh");

    /// <summary>One entry's type, size, mtime, mode and link target (see <see cref="FindOutputParser"/>).</summary>
    public static readonly HostScript Stat = Load("host-stat.sh");

    /// <summary>Every entry below a root: relative path, then the <see cref="Stat"/> fields.</summary>
    public static readonly HostScript ListTree = Load("host-list-tree.sh");

    /// <summary>Prints one byte 'K' then the file.</summary>
    public static readonly HostScript OpenRead = Load("host-open-read.sh");

    /// <summary>Prints a small file base64-encoded (see <see cref="SshHost.OpenReadAsync"/>).</summary>
    public static readonly HostScript ReadSmall = Load("host-read-small.sh");

    /// <summary>Writes stdin atomically, refusing a cut-off stream.</summary>
    public static readonly HostScript WriteFile = Load("host-write-file.sh");

    /// <summary><c>mkdir -p</c> and an optional mode.</summary>
    public static readonly HostScript CreateDirectory = Load("host-create-directory.sh");

    /// <summary>Renames an entry.</summary>
    public static readonly HostScript Move = Load("host-move.sh");

    /// <summary>Removes an entry.</summary>
    public static readonly HostScript Remove = Load("host-remove.sh");

    /// <summary>Creates or atomically replaces a symbolic link.</summary>
    public static readonly HostScript CreateSymlink = Load("host-create-symlink.sh");

    /// <summary><c>chmod</c>.</summary>
    public static readonly HostScript SetMode = Load("host-set-mode.sh");

    /// <summary><c>chown -h</c>.</summary>
    public static readonly HostScript SetOwner = Load("host-set-owner.sh");

    /// <summary>Prints os-release.</summary>
    public static readonly HostScript OsRelease = Load("host-os-release.sh");

    /// <summary>Lists live processes by name, command-line piece or pid file.</summary>
    public static readonly HostScript FindProcesses = Load("host-find-processes.sh");

    /// <summary>How many trailing components of each directory are missing (see <see cref="UploadLayout"/>).</summary>
    public static readonly HostScript MissingLevels = Load("host-missing-levels.sh");

    /// <summary>Receives an upload's tar stream and places it (see <see cref="UploadStream"/>).</summary>
    public static readonly HostScript Upload = Load("host-upload.sh");

    /// <summary>The perl that removes an upload's temps (passed to <see cref="Upload"/> as <c>$3</c>).</summary>
    public static readonly HostScript UploadUnlist = Load("host-upload-unlist.pl");

    /// <summary>The perl that places an upload's files (passed to <see cref="Upload"/> as <c>$4</c>).</summary>
    public static readonly HostScript UploadPlace = Load("host-upload-place.pl");

    /// <summary>The perl that extracts a split upload with two tars at once (passed to <see cref="Upload"/> as <c>$8</c>; see <see cref="UploadFrames"/>).</summary>
    public static readonly HostScript UploadSplit = Load("host-upload-split.pl");

    /// <summary>
    /// The argv of an upload: <c>/bin/sh -c upload.sh sh bookkeeping placer unlist.pl place.pl how what check-args
    /// split.pl [after args...]</c>. With <paramref name="split"/> the stream is <see cref="UploadFrames"/>' (two tar
    /// streams extracted at once), and a host without perl refuses it with exit 6 before reading it. Its first path is the bookkeeping directory (not a declared path argument: the stream
    /// names absolute paths, for <c>-C /</c>). With <paramref name="anchor"/> (the stream is laid out on
    /// <see cref="MissingDirectories.Predict"/>) the script confirms that the anchor is a writable directory before it
    /// creates or reads anything, and exits 5 if not; with <paramref name="check"/> (the arguments of one
    /// <see cref="MissingLevels"/> command) it answers the destination check on stdout before it reads its stdin.
    /// </summary>
    public static IReadOnlyList<string> UploadArgv(string bookkeeping, string placer, AfterPlacement? after = null, IReadOnlyList<string>? check = null, string? anchor = null, bool split = false)
    {
        if (check is not null && anchor is not null)
        {
            throw new ArgumentException("An upload is laid out on a guess or on a check, not both.", nameof(anchor));
        }

        var argv = new List<string>(12 + (after?.Arguments.Count ?? 0))
        {
            "/bin/sh", "-c", Upload.Text, "sh", bookkeeping, placer, UploadUnlist.Text, UploadPlace.Text,
            anchor is not null ? "a" : check is not null ? "c" : "",
            anchor ?? (check is null ? "" : MissingLevels.Text),
            check is null ? "" : CommandLine.Join(check),
            split ? UploadSplit.Text : "",
        };
        if (after is not null)
        {
            argv.Add(after.Script.Text);
            argv.AddRange(after.Arguments);
        }

        return argv;
    }

    private static HostScript Load(string name) => HostScript.FromResource(typeof(RemoteScripts).Assembly, name);
}
