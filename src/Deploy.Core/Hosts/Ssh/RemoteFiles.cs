using System.Globalization;
using System.Text;
using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// A POSIX host's file and process operations as <see cref="RemoteScripts"/>: each is one command (one round trip)
/// with paths passed as arguments. Transport-independent: it needs only a way to run a <see cref="CommandSpec"/>
/// (which must honour <see cref="CommandSpec.StandardInput"/> and <see cref="CommandSpec.Idempotent"/>).
/// </summary>
internal sealed class RemoteFiles
{
    private readonly string _name;
    private readonly Func<CommandSpec, CancellationToken, Task<CommandResult>> _run;

    /// <summary>Creates the operations for host <paramref name="name"/>, running commands with <paramref name="run"/>.</summary>
    public RemoteFiles(string name, Func<CommandSpec, CancellationToken, Task<CommandResult>> run)
    {
        _name = name;
        _run = run;
    }

    public async Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(path);
        var result = await RunAsync(RemoteScripts.Stat, [path], idempotent: true, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == RemoteScripts.NotFound)
        {
            return null;
        }

        Check(result, path, "stat");
        return FindOutputParser.Parse(result.StandardOutput, withPath: false, fixedPath: path)[0];
    }

    public async Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(root, nameof(root));
        var result = await RunAsync(RemoteScripts.ListTree, [root], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, root, "list");
        return FindOutputParser.Parse(result.StandardOutput, withPath: true);
    }

    public async Task WriteFileAsync(string path, Stream content, FileWriteOptions? options, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(path);
        ArgumentNullException.ThrowIfNull(content);
        path = PosixPath.Normalize(path);

        // The remote side checks the byte count, so it must be known up front: spool a non-seekable stream.
        Stream? spool = null;
        if (!content.CanSeek)
        {
            spool = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await content.CopyToAsync(spool, cancellationToken).ConfigureAwait(false);
            spool.Position = 0;
        }

        try
        {
            var source = spool ?? content;
            var length = source.Length - source.Position;
            var dir = PosixPath.GetDirectoryName(path);
            var temp = PosixPath.Combine(dir, ".deploy-tmp-" + Guid.NewGuid().ToString("N")[..12]);
            var mode = options?.Mode is { } m ? Octal(m) : "";
            var mtime = options?.ModifiedTime is { } t ? FindOutputParser.FormatTouch(t) : "";
            // A small text file rides in-band on a pooled session where the host supports it (SshHost.RunAsync).
            var spec = RemoteScripts.WriteFile.ToCommand([path, temp, dir, length.ToString(CultureInfo.InvariantCulture), mode, mtime]) with
            {
                StandardInput = source,
                Idempotent = true,
            };
            var result = await _run(spec, cancellationToken).ConfigureAwait(false);
            Check(result, path, "write");
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task CreateDirectoryAsync(string path, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(path);
        var result = await RunAsync(RemoteScripts.CreateDirectory, [path, mode is { } m ? Octal(m) : ""], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "mkdir");
    }

    public async Task MoveAsync(string source, string destination, bool overwrite, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(source, nameof(source));
        PosixPath.EnsureAbsolute(destination, nameof(destination));

        // Not idempotent: a second run after a lost reply would find the source gone.
        var result = await RunAsync(RemoteScripts.Move, [source, destination, overwrite ? "1" : "0"], idempotent: false, cancellationToken).ConfigureAwait(false);
        Check(result, source, "move");
    }

    public async Task RemoveAsync(string path, bool recursive, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(path);
        if (PosixPath.Normalize(path) == "/")
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"Refusing to remove '/' on {_name}.") { Host = _name, Path = path };
        }

        var result = await RunAsync(RemoteScripts.Remove, [path, recursive ? "1" : "0"], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "remove");
    }

    public async Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(linkPath, nameof(linkPath));
        ArgumentException.ThrowIfNullOrEmpty(target);
        linkPath = PosixPath.Normalize(linkPath);
        var dir = PosixPath.GetDirectoryName(linkPath);
        var temp = PosixPath.Combine(dir, ".deploy-tmp-" + Guid.NewGuid().ToString("N")[..12]);
        var result = await RunAsync(RemoteScripts.CreateSymlink, [linkPath, target, dir, temp], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, linkPath, "symlink");
    }

    public async Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(path);
        var result = await RunAsync(RemoteScripts.SetMode, [path, Octal(mode)], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "chmod");
    }

    public async Task SetOwnerAsync(string path, string owner, string? group, CancellationToken cancellationToken)
    {
        PosixPath.EnsureAbsolute(path);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var result = await RunAsync(RemoteScripts.SetOwner, [path, group is null ? owner : owner + ":" + group], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "chown");
    }

    public async Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(RemoteScripts.OsRelease, [], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, "/etc/os-release", "read");
        return OsRelease.Parse(result.StandardOutput);
    }

    public async Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        string[] args;
        if (query.PidFile is not null)
        {
            PosixPath.EnsureAbsolute(query.PidFile, nameof(query));
            args = ["pidfile", query.PidFile];
        }
        else if (query.Name is not null)
        {
            args = ["name", query.Name];
        }
        else if (query.CommandLineContains is not null)
        {
            // Arguments are NUL-separated in /proc: any space-free piece of the text appears there verbatim.
            var piece = query.CommandLineContains.Split(' ', StringSplitOptions.RemoveEmptyEntries).MaxBy(p => p.Length) ?? "";
            args = ["cmd", piece];
        }
        else
        {
            throw new ArgumentException("Set one of Name, CommandLineContains or PidFile.", nameof(query));
        }

        var result = await RunAsync(RemoteScripts.FindProcesses, args, idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, query.PidFile ?? "/proc", "list processes");
        var parts = result.StandardOutput.Split('\0');
        var list = new List<ProcessInfo>();
        for (var i = 0; i + 2 < parts.Length; i += 3)
        {
            var info = new ProcessInfo(int.Parse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture), parts[i + 1], parts[i + 2].TrimEnd(' '));
            if (query.CommandLineContains is null || info.CommandLine.Contains(query.CommandLineContains, StringComparison.Ordinal))
            {
                list.Add(info);
            }
        }

        return list;
    }

    /// <summary>
    /// For each directory, how many of its trailing components are missing on the host (0: it exists): one round trip
    /// per ~96 KB of paths, each directory tested at most once (see <see cref="MissingDirectories"/>).
    /// </summary>
    public async Task<Dictionary<string, int>> MissingLevelsAsync(IReadOnlyList<string> directories, CancellationToken cancellationToken)
    {
        if (directories.Count == 0)
        {
            return new Dictionary<string, int>(StringComparer.Ordinal);
        }

        var query = MissingDirectories.Plan(directories);
        var prefixMissing = 0;
        var missing = new List<int>();
        foreach (var (first, args) in MissingDirectories.Batches(query))
        {
            var r = await RunAsync(RemoteScripts.MissingLevels, args, idempotent: true, cancellationToken).ConfigureAwait(false);
            if (r.ExitCode != 0 || !MissingDirectories.TryParse(r.StandardOutput, first, out prefixMissing, out var found))
            {
                throw MissingLevelsFailed(r);
            }

            missing.AddRange(found);
        }

        return MissingDirectories.Read(query, directories, prefixMissing, missing) ?? throw MissingLevelsFailed(null);
    }

    private DeployException MissingLevelsFailed(CommandResult? r) => DestinationCheckFailed(_name, r?.ExitCode, r?.StandardError);

    /// <summary>The error of a destination check (<see cref="MissingLevelsAsync"/>, or an upload's own) that failed
    /// (exit code and stderr) or whose answer did not match the question (both null).</summary>
    internal static DeployException DestinationCheckFailed(string host, int? exitCode, string? standardError)
        => new(DeployErrorCode.TransferFailed, exitCode is null
            ? $"Could not check the upload's destination directories on {host}: its answer did not match the question."
            : $"Could not check the upload's destination directories on {host} (exit {exitCode}): {standardError?.Trim()}".TrimEnd())
        {
            Host = host,
            ExitCode = exitCode,
        };

    /// <summary>The longest prefix of every path in <paramref name="paths"/> that ends with a '/' (or is empty).</summary>
    internal static string CommonDirectoryPrefix(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            return "";
        }

        var length = paths[0].Length;
        for (var i = 1; i < paths.Count && length > 0; i++)
        {
            length = Math.Min(length, paths[i].Length);
            length = paths[0].AsSpan(0, length).CommonPrefixLength(paths[i].AsSpan(0, length));
        }

        return paths[0][..(paths[0].LastIndexOf('/', Math.Max(0, length - 1)) + 1)];
    }

    private Task<CommandResult> RunAsync(HostScript script, IReadOnlyList<string> args, bool idempotent, CancellationToken cancellationToken)
        => _run(script.ToCommand(args) with { Idempotent = idempotent }, cancellationToken);

    private void Check(CommandResult result, string path, string operation)
    {
        if (result.ExitCode == 0)
        {
            return;
        }

        if (result.ExitCode == RemoteScripts.NotFound)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {_name}.") { Host = _name, Path = path, ExitCode = result.ExitCode };
        }

        var err = result.StandardError.Trim();
        throw new DeployException(DeployErrorCode.RemoteIoFailed, $"{operation} of '{path}' failed on {_name} (exit {result.ExitCode}){(err.Length > 0 ? ": " + (err.Length > 1000 ? err[^1000..] : err) : "")}")
        {
            Host = _name,
            Path = path,
            ExitCode = result.ExitCode,
        };
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8);
}
