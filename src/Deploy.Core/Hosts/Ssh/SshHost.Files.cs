using System.Globalization;
using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>File operations: each is one remote script (one round trip) with paths passed as arguments.</summary>
public sealed partial class SshHost
{
    /// <inheritdoc />
    public async Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        var result = await ScriptAsync(RemoteScripts.Stat, [path], idempotent: true, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == RemoteScripts.NotFound)
        {
            return null;
        }

        Check(result, path, "stat");
        return FindOutputParser.Parse(result.StandardOutput, withPath: false, fixedPath: path)[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(root, nameof(root));
        var result = await ScriptAsync(RemoteScripts.ListTree, [root], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, root, "list");
        return FindOutputParser.Parse(result.StandardOutput, withPath: true);
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        return await RetryAsync(ct => OpenReadOnceAsync(path, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task WriteFileAsync(string path, Stream content, FileWriteOptions? options = null, CancellationToken cancellationToken = default)
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
            var spec = ScriptSpec(RemoteScripts.WriteFile, [path, temp, dir, length.ToString(CultureInfo.InvariantCulture), mode, mtime]) with
            {
                StandardInput = source,
                Idempotent = true,
            };
            var result = await RunAsync(spec, cancellationToken).ConfigureAwait(false);
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

    /// <inheritdoc />
    public async Task CreateDirectoryAsync(string path, UnixFileMode? mode = null, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        var result = await ScriptAsync(RemoteScripts.CreateDirectory, [path, mode is { } m ? Octal(m) : ""], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "mkdir");
    }

    /// <inheritdoc />
    public async Task MoveAsync(string source, string destination, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(source, nameof(source));
        PosixPath.EnsureAbsolute(destination, nameof(destination));

        // Not idempotent: a second run after a lost reply would find the source gone.
        var result = await ScriptAsync(RemoteScripts.Move, [source, destination, overwrite ? "1" : "0"], idempotent: false, cancellationToken).ConfigureAwait(false);
        Check(result, source, "move");
    }

    /// <inheritdoc />
    public async Task RemoveAsync(string path, bool recursive = false, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        if (PosixPath.Normalize(path) == "/")
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"Refusing to remove '/' on {Name}.") { Host = Name, Path = path };
        }

        var result = await ScriptAsync(RemoteScripts.Remove, [path, recursive ? "1" : "0"], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "remove");
    }

    /// <inheritdoc />
    public async Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(linkPath, nameof(linkPath));
        ArgumentException.ThrowIfNullOrEmpty(target);
        linkPath = PosixPath.Normalize(linkPath);
        var dir = PosixPath.GetDirectoryName(linkPath);
        var temp = PosixPath.Combine(dir, ".deploy-tmp-" + Guid.NewGuid().ToString("N")[..12]);
        var result = await ScriptAsync(RemoteScripts.CreateSymlink, [linkPath, target, dir, temp], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, linkPath, "symlink");
    }

    /// <inheritdoc />
    public async Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        var result = await ScriptAsync(RemoteScripts.SetMode, [path, Octal(mode)], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "chmod");
    }

    /// <inheritdoc />
    public async Task SetOwnerAsync(string path, string owner, string? group = null, CancellationToken cancellationToken = default)
    {
        PosixPath.EnsureAbsolute(path);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var result = await ScriptAsync(RemoteScripts.SetOwner, [path, group is null ? owner : owner + ":" + group], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, path, "chown");
    }

    /// <inheritdoc />
    public async Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken = default)
    {
        var result = await ScriptAsync(RemoteScripts.OsRelease, [], idempotent: true, cancellationToken).ConfigureAwait(false);
        Check(result, "/etc/os-release", "read");
        return OsRelease.Parse(result.StandardOutput);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken = default)
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

        var result = await ScriptAsync(RemoteScripts.FindProcesses, args, idempotent: true, cancellationToken).ConfigureAwait(false);
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

    private static CommandSpec ScriptSpec(string script, IReadOnlyList<string> args)
        => new(["/bin/sh", "-c", script, "sh", .. args]);

    private Task<CommandResult> ScriptAsync(string script, IReadOnlyList<string> args, bool idempotent, CancellationToken cancellationToken)
        => RunAsync(ScriptSpec(script, args) with { Idempotent = idempotent }, cancellationToken);

    private void Check(CommandResult result, string path, string operation)
    {
        if (result.ExitCode == 0)
        {
            return;
        }

        if (result.ExitCode == RemoteScripts.NotFound)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {Name}.") { Host = Name, Path = path, ExitCode = result.ExitCode };
        }

        var err = result.StandardError.Trim();
        throw new DeployException(DeployErrorCode.RemoteIoFailed, $"{operation} of '{path}' failed on {Name} (exit {result.ExitCode}){(err.Length > 0 ? ": " + (err.Length > 1000 ? err[^1000..] : err) : "")}")
        {
            Host = Name,
            Path = path,
            ExitCode = result.ExitCode,
        };
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8);
}
