using System.Diagnostics;
using System.Globalization;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Deploy.Core.Hosts;

/// <summary>
/// The machine this process runs on, optionally rooted in a sandbox directory (see
/// <see cref="LocalHostOptions.RootDirectory"/>).
/// </summary>
public sealed class LocalHost : IHost
{
    private readonly LocalHostOptions _options;
    private readonly ILogger _logger;
    private readonly string? _root;

    /// <summary>Creates a local host.</summary>
    public LocalHost(LocalHostOptions? options = null, ILogger<LocalHost>? logger = null)
    {
        _options = options ?? new LocalHostOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _root = _options.RootDirectory is null ? null : Path.GetFullPath(_options.RootDirectory);
    }

    /// <summary>
    /// A local host whose absolute target paths (uploads, listings, reads, declared path arguments) live under
    /// <paramref name="rootDirectory"/>. It is NOT a sandbox for commands: a command runs on this machine as this
    /// user and sees the real file system, so a service command with an absolute path (<c>cp belt.js /home/user/belt</c>,
    /// <c>dpkg -i</c>) changes the real machine. Commands get the root in <c>$DEPLOY_ROOT</c> to use it themselves;
    /// to contain commands that were not written for that, deploy to a real or isolated host (a container, a VM, a
    /// private mount namespace) instead.
    /// </summary>
    public static LocalHost Rooted(string rootDirectory, ILogger<LocalHost>? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        Directory.CreateDirectory(rootDirectory);
        return new LocalHost(new LocalHostOptions { RootDirectory = rootDirectory }, logger);
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <summary>The sandbox directory, or <c>null</c>.</summary>
    public string? RootDirectory => _root;

    /// <summary>Maps a target path to the real local path (identity unless rooted). <c>..</c> cannot leave the sandbox.</summary>
    public string MapPath(string path)
    {
        PosixPath.EnsureAbsolute(path);
        if (_root is null)
        {
            return path;
        }

        var normalized = PosixPath.Normalize(path);
        return normalized == "/" ? _root : _root + normalized;
    }

    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(CommandSpec command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var psi = new ProcessStartInfo(_root is not null && command.PathArguments.Contains(0) ? MapPath(command.Argv[0]) : command.Argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = command.WorkingDirectory is null ? (_root ?? "/") : MapPath(command.WorkingDirectory),
        };
        for (var i = 1; i < command.Argv.Count; i++)
        {
            psi.ArgumentList.Add(_root is not null && command.PathArguments.Contains(i) ? MapPath(command.Argv[i]) : command.Argv[i]);
        }

        if (_root is not null)
        {
            // Offered to users' own service commands; the SDK's scripts declare their path arguments instead.
            psi.Environment["DEPLOY_ROOT"] = _root;
        }

        foreach (var (k, v) in command.Environment)
        {
            psi.Environment[k] = v;
        }

        var runner = new ProcessRunner(psi, command, Name, _logger, _options.TimeProvider);
        return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default)
    {
        var real = MapPath(path);
        FileSystemInfo info = new FileInfo(real);
        if (!info.Exists && info.LinkTarget is null)
        {
            info = new DirectoryInfo(real);
            if (!info.Exists)
            {
                return Task.FromResult<RemoteFileInfo?>(null);
            }
        }

        return Task.FromResult<RemoteFileInfo?>(Describe(info, path));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default)
    {
        var real = MapPath(root);
        if (!Directory.Exists(real))
        {
            return Task.FromResult<IReadOnlyList<RemoteFileInfo>>([]);
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        var list = new List<RemoteFileInfo>();
        foreach (var info in new DirectoryInfo(real).EnumerateFileSystemInfos("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rel = Path.GetRelativePath(real, info.FullName).Replace(Path.DirectorySeparatorChar, '/');
            list.Add(Describe(info, rel));
        }

        return Task.FromResult<IReadOnlyList<RemoteFileInfo>>(list);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var real = MapPath(path);
        try
        {
            return Task.FromResult<Stream>(new FileStream(real, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {Name}.", e) { Host = Name, Path = path };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoError(path, e);
        }
    }

    /// <inheritdoc />
    public async Task WriteFileAsync(string path, Stream content, FileWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var real = MapPath(path);
        var tmp = TempBeside(real);
        try
        {
            var dir = Path.GetDirectoryName(real)!;
            Directory.CreateDirectory(dir);
            LocalTempFiles.RemoveDead(dir);
            var existingMode = File.Exists(real) ? File.GetUnixFileMode(real) : (UnixFileMode?)null;
            var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await using (fs.ConfigureAwait(false))
            {
                await content.CopyToAsync(fs, cancellationToken).ConfigureAwait(false);
                await fs.FlushAsync(cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(tmp, options?.Mode ?? existingMode ?? DefaultFileMode);
            if (options?.ModifiedTime is { } mtime)
            {
                File.SetLastWriteTimeUtc(tmp, mtime.UtcDateTime);
            }

            File.Move(tmp, real, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw IoError(path, e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var start = _options.TimeProvider.GetTimestamp();
        long total = 0;
        foreach (var f in files)
        {
            // Every source is checked before the first file is placed, as over SSH (the contract suite found this).
            var info = new FileInfo(f.LocalPath);
            if (!info.Exists)
            {
                throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Upload source '{f.LocalPath}' does not exist.") { Path = f.LocalPath };
            }

            total += info.Length;
        }

        long done = 0;
        var count = 0;
        var swept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var src = new FileInfo(f.LocalPath);
            if (!src.Exists)
            {
                throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Upload source '{f.LocalPath}' does not exist.") { Path = f.LocalPath };
            }

            var real = MapPath(f.TargetPath);
            var tmp = TempBeside(real);
            try
            {
                var dir = Path.GetDirectoryName(real)!;
                if (swept.Add(dir))
                {
                    // Once per directory and upload: temps left by a transfer that was killed outright go now.
                    Directory.CreateDirectory(dir);
                    LocalTempFiles.RemoveDead(dir);
                }

                File.Copy(src.FullName, tmp, overwrite: false);
                File.SetUnixFileMode(tmp, f.Mode ?? src.UnixFileMode);
                File.SetLastWriteTimeUtc(tmp, (f.ModifiedTime ?? src.LastWriteTimeUtc).UtcDateTime);
                File.Move(tmp, real, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryDelete(tmp);
                throw new DeployException(DeployErrorCode.TransferFailed, $"Could not place '{f.TargetPath}' on {Name}: {e.Message}", e) { Host = Name, Path = f.TargetPath };
            }

            done += src.Length;
            count++;
            progress?.Report(new TransferProgress(count, files.Count, done, total, f.TargetPath));
        }

        await Task.CompletedTask.ConfigureAwait(false);
        return new TransferSummary(count, done, _options.TimeProvider.GetElapsedTime(start));
    }

    /// <inheritdoc />
    public Task CreateDirectoryAsync(string path, UnixFileMode? mode = null, CancellationToken cancellationToken = default)
    {
        var real = MapPath(path);
        try
        {
            if (mode is { } m)
            {
                Directory.CreateDirectory(real, m);
            }
            else
            {
                Directory.CreateDirectory(real);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoError(path, e);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task MoveAsync(string source, string destination, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        var src = MapPath(source);
        var dst = MapPath(destination);
        try
        {
            if (Directory.Exists(src) && new FileInfo(src).LinkTarget is null)
            {
                Directory.Move(src, dst);
            }
            else if (File.Exists(src) || new FileInfo(src).LinkTarget is not null)
            {
                File.Move(src, dst, overwrite);
            }
            else
            {
                throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{source}' does not exist on {Name}.") { Host = Name, Path = source };
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoError(source, e);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RemoveAsync(string path, bool recursive = false, CancellationToken cancellationToken = default)
    {
        var real = MapPath(path);
        try
        {
            var fi = new FileInfo(real);
            if (fi.LinkTarget is not null || fi.Exists)
            {
                fi.Delete();
            }
            else if (Directory.Exists(real))
            {
                Directory.Delete(real, recursive);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoError(path, e);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var real = MapPath(linkPath);
        var tmp = TempBeside(real);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(real)!);
            File.CreateSymbolicLink(tmp, target);
            // rename(2) replaces an existing link even when it points to a directory (File.Move would follow it).
            Native.Posix.Rename(tmp, real);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw IoError(linkPath, e);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken = default)
    {
        var real = MapPath(path);
        try
        {
            File.SetUnixFileMode(real, mode);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {Name}.", e) { Host = Name, Path = path };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IoError(path, e);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task SetOwnerAsync(string path, string owner, string? group = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var spec = group is null ? owner : owner + ":" + group;
        await RunAsync(CommandSpec.Of("chown", "-h", "--", spec, MapPath(path)), cancellationToken).ThrowOnFailure().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken = default)
    {
        foreach (var candidate in new[] { "/etc/os-release", "/usr/lib/os-release" })
        {
            var sandboxed = _root is null ? null : MapPath(candidate);
            var file = sandboxed is not null && File.Exists(sandboxed) ? sandboxed : candidate;
            if (File.Exists(file))
            {
                return OsRelease.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false));
            }
        }

        return OsRelease.Parse("");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.PidFile is not null)
        {
            var pidPath = MapPath(query.PidFile);
            if (!File.Exists(pidPath)
                || !int.TryParse((await File.ReadAllTextAsync(pidPath, cancellationToken).ConfigureAwait(false)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return [];
            }

            var p = ReadProc(pid);
            return p is null ? [] : [p];
        }

        var result = new List<ProcessInfo>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            var p = ReadProc(pid);
            if (p is null)
            {
                continue;
            }

            if ((query.Name is not null && p.Name == query.Name)
                || (query.CommandLineContains is not null && p.CommandLine.Contains(query.CommandLineContains, StringComparison.Ordinal)))
            {
                result.Add(p);
            }
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal const UnixFileMode DefaultFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static ProcessInfo? ReadProc(int pid)
    {
        try
        {
            var comm = File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Zombies have exited: they are not "running".
            var close = stat.LastIndexOf(')');
            if (close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z')
            {
                return null;
            }

            return new ProcessInfo(pid, comm, cmdline);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static RemoteFileInfo Describe(FileSystemInfo info, string path)
    {
        var link = info.LinkTarget;
        var kind = link is not null ? FileKind.Symlink
            : info is DirectoryInfo || (info.Attributes & FileAttributes.Directory) != 0 ? FileKind.Directory
            : FileKind.File;
        var size = kind == FileKind.File ? ((FileInfo)info).Length : 0;
        return new RemoteFileInfo(path, kind, size, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), info.UnixFileMode, link);
    }

    private static string TempBeside(string real) => LocalTempFiles.Beside(real);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the temp name is unique and hidden; it never shadows the destination.
        }
    }

    private DeployException IoError(string path, Exception e)
        => new(DeployErrorCode.RemoteIoFailed, $"File operation on '{path}' failed on {Name}: {e.Message}", e) { Host = Name, Path = path };
}
