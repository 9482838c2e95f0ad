using System.Diagnostics;
using System.Text;
using Deploy.Core.Errors;
using Microsoft.Win32.SafeHandles;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>Streaming transfers: each runs on its own ssh channel over the master connection.</summary>
public sealed partial class SshHost
{
    /// <inheritdoc />
    public Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
        => UploadCoreAsync(files, null, progress, cancellationToken);

    /// <inheritdoc />
    public Task<TransferSummary> UploadGatedAsync(IReadOnlyList<FileUpload> files, Task placeAfter, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(placeAfter);
        return UploadCoreAsync(files, placeAfter, progress, cancellationToken);
    }

    private async Task<TransferSummary> UploadCoreAsync(IReadOnlyList<FileUpload> files, Task? placeAfter, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var items = new List<UploadItem>(files.Count);
        foreach (var f in files)
        {
            ArgumentNullException.ThrowIfNull(f);
            PosixPath.EnsureAbsolute(f.TargetPath, nameof(files));
            var target = PosixPath.Normalize(f.TargetPath);
            if (target == "/")
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, "An upload target cannot be '/'.") { Path = f.TargetPath };
            }

            // Progress needs the byte total up front: one stat per file, here. Without a progress sink each file is
            // stat'ed through its open handle as it is streamed, off the critical path of the first byte.
            var size = f.SizeHint ?? -1L;
            if (progress is not null && size < 0)
            {
                var info = new FileInfo(f.LocalPath);
                if (!info.Exists)
                {
                    throw NotFound(f.LocalPath);
                }

                size = info.Length;
            }

            items.Add(new UploadItem(f.LocalPath, target, size, f.Mode, f.ModifiedTime));
        }

        if (items.Count == 0)
        {
            if (placeAfter is not null)
            {
                await placeAfter.ConfigureAwait(false);
            }

            return new TransferSummary(0, 0, TimeSpan.Zero);
        }

        var start = _options.TimeProvider.GetTimestamp();

        // Uploading is idempotent (the same bytes land at the same paths), so a cut connection is retried.
        var bytes = await RetryAsync(ct => UploadOnceAsync(items, placeAfter, progress, ct), cancellationToken).ConfigureAwait(false);
        var elapsed = _options.TimeProvider.GetElapsedTime(start);
        SshLog.Uploaded(_logger, Name, items.Count, bytes, elapsed.TotalMilliseconds);
        return new TransferSummary(items.Count, bytes, elapsed);
    }

    /// <summary>Tests: <c>sh</c> places files with mv even where perl exists; <c>auto</c> (the default) prefers perl.</summary>
    internal void ForcePlacer(string placer) => _placer = placer;

    /// <summary>Tests: treats every destination directory as missing (as if it vanished after the check), to exercise merging.</summary>
    internal bool AssumeDirectoriesMissing { get; set; }

    private async Task<long> UploadOnceAsync(List<UploadItem> items, Task? placeAfter, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var bookkeeping = PosixPath.Combine(_options.RemoteTempDirectory, ".deploy-up-" + id);
        var targets = items.ConvertAll(i => i.Target);
        var parents = UploadLayout.ParentsOf(targets);

        // The channel starts (its script clears up after dead uploads, then waits in tar for the stream) while the
        // destination directories are checked: two round trips in the time of one.
        var job = AgentSession.NewJobId();
        var channel = StartChannelAsync(job, CommandLine.Join(["exec", "/bin/sh", "-c", RemoteScripts.Upload, "sh", bookkeeping, _placer]), cancellationToken);
        UploadLayout layout;
        try
        {
            var missing = AssumeDirectoriesMissing ? parents.ToDictionary(p => p, _ => 1, StringComparer.Ordinal) : await MissingLevelsAsync(parents, cancellationToken).ConfigureAwait(false);
            layout = UploadLayout.Create(targets, id, missing);
        }
        catch
        {
            await AbandonChannelAsync(channel, job).ConfigureAwait(false);
            throw;
        }

        using var process = await channel.ConfigureAwait(false);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        long total = items.Sum(x => x.Size);
        long sent = 0;
        try
        {
            try
            {
                sent = await SendTarAsync(process.StandardInput.BaseStream, bookkeeping, layout, items, total, placeAfter, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // ssh went away mid-stream: its exit code and stderr below say why.
            }
            catch (Exception e) when (e is DeployException || (placeAfter is { IsFaulted: true } && e is not OperationCanceledException))
            {
                // A source could not be read, or the gate failed: the stream was cut before its commit mark, so the
                // remote side places nothing and removes its temps. Wait for that before reporting.
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw;
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await KillJobAsync(job).ConfigureAwait(false);
            throw;
        }

        var stderr = await stderrTask.ConfigureAwait(false);
        await stdoutTask.ConfigureAwait(false);
        if (SshErrors.IsTransportFailure(process.ExitCode, stderr))
        {
            _masterSuspect = true;
            throw SshErrors.Classify(Name, stderr, "upload");
        }

        if (process.ExitCode != 0)
        {
            var what = process.ExitCode switch
            {
                2 => "extracting the tar stream failed (is GNU tar installed, is there space?)",
                3 => "placing the files failed (a destination is a directory, or a permission is missing)",
                _ => $"the upload script exited with {process.ExitCode}",
            };
            throw new DeployException(DeployErrorCode.TransferFailed, $"Upload of {items.Count} files to {Name} failed: {what}. No file was left half-written at a destination. {stderr.Trim()}".TrimEnd())
            {
                Host = Name,
                ExitCode = process.ExitCode,
            };
        }

        return sent;
    }

    /// <summary>
    /// For each directory, how many of its trailing components are missing on the host (0: it exists): one round trip
    /// per ~96 KB of paths, through a pooled session.
    /// </summary>
    private async Task<Dictionary<string, int>> MissingLevelsAsync(IReadOnlyList<string> directories, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        var batch = new List<string>();
        var size = 0;
        for (var i = 0; i <= directories.Count; i++)
        {
            if (i < directories.Count)
            {
                batch.Add(directories[i]);
                size += Encoding.UTF8.GetByteCount(directories[i]) + 3;
                if (size < 96 * 1024)
                {
                    continue;
                }
            }

            if (batch.Count == 0)
            {
                break;
            }

            var prefix = CommonDirectoryPrefix(batch);
            var r = await ScriptAsync(RemoteScripts.MissingLevels, [prefix, .. batch.Select(d => d[prefix.Length..])], idempotent: true, cancellationToken).ConfigureAwait(false);
            var lines = r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (r.ExitCode != 0 || lines.Length != batch.Count)
            {
                throw new DeployException(DeployErrorCode.TransferFailed, $"Could not check the upload's destination directories on {Name} (exit {r.ExitCode}): {r.StandardError.Trim()}") { Host = Name, ExitCode = r.ExitCode };
            }

            for (var j = 0; j < batch.Count; j++)
            {
                result[batch[j]] = int.Parse(lines[j], System.Globalization.CultureInfo.InvariantCulture);
            }

            batch.Clear();
            size = 0;
        }

        return result;
    }

    /// <summary>Stops an upload channel that will get no stream: its script's trap removes whatever it created.</summary>
    private async Task AbandonChannelAsync(Task<Process> channel, string job)
    {
        Process process;
        try
        {
            process = await channel.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return; // it never started
        }

        using (process)
        {
            Kill(process);
            await KillJobAsync(job).ConfigureAwait(false);
        }
    }

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

    private static async Task<long> SendTarAsync(Stream stdin, string bookkeeping, UploadLayout layout, List<UploadItem> items, long total, Task? placeAfter, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var writer = new PaxArchiveWriter(stdin);
        try
        {
            // Reading the files and writing the pipe block: a pool thread of its own does it.
            var sent = await Task.Run(() => WriteEntries(writer, bookkeeping, layout, items, total, progress, cancellationToken), cancellationToken).ConfigureAwait(false);

            // The commit mark: the remote side places files only if the stream got this far, and only once the
            // gate has passed (its failure cuts the stream here).
            if (placeAfter is not null)
            {
                writer.FlushBuffered();
                await placeAfter.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            writer.WriteFile(PosixPath.Combine(bookkeeping, "done").TrimStart('/'), UnixFileMode.UserRead, DateTimeOffset.UnixEpoch, 0, null, bookkeeping);
            writer.Finish();
            return sent;
        }
        finally
        {
            // On failure the archive is left without its end: the remote tar fails (or finds no commit mark), so
            // nothing is placed.
            stdin.Close();
        }
    }

    private static long WriteEntries(PaxArchiveWriter writer, string bookkeeping, UploadLayout layout, List<UploadItem> items, long total, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        long sent = 0;
        writer.WriteBytes(PosixPath.Combine(bookkeeping, "list").TrimStart('/'), UnixFileMode.UserRead | UnixFileMode.UserWrite, DateTimeOffset.UnixEpoch, layout.Manifest);
        for (var i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = items[i];
            using var source = OpenSource(item.LocalPath);
            var size = RandomAccess.GetLength(source);
            writer.WriteFile(
                layout.StreamNames[i].TrimStart('/'),
                item.Mode ?? File.GetUnixFileMode(source),
                item.Modified ?? new DateTimeOffset(File.GetLastWriteTimeUtc(source)),
                size,
                source,
                item.LocalPath);
            sent += size;
            progress?.Report(new TransferProgress(i + 1, items.Count, sent, total, item.Target));
        }

        return sent;
    }

    private static SafeFileHandle OpenSource(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotFound(path, e);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            throw NotFound(path, e);
        }

        return handle;
    }

    private static DeployException NotFound(string path, Exception? inner = null)
        => new(DeployErrorCode.LocalPathNotFound, $"Upload source '{path}' does not exist or is not a file.", inner) { Path = path };

    /// <summary>One file to upload: the size is known up front only when progress is reported (-1 otherwise); a null mode or time is read from the file.</summary>
    private readonly record struct UploadItem(string LocalPath, string Target, long Size, UnixFileMode? Mode, DateTimeOffset? Modified);

    private async Task<Stream> OpenReadOnceAsync(string path, CancellationToken cancellationToken)
    {
        var job = AgentSession.NewJobId();
        var process = await StartChannelAsync(job, CommandLine.Join(["exec", "/bin/sh", "-c", RemoteScripts.OpenRead, "sh", path]), cancellationToken).ConfigureAwait(false);
        process.StandardInput.Close();
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdout = process.StandardOutput.BaseStream;
        try
        {
            var first = new byte[1];
            var n = await stdout.ReadAsync(first, cancellationToken).ConfigureAwait(false);
            if (n == 1 && first[0] == (byte)'K')
            {
                return new SshReadStream(process, stdout, stderrTask, Name, path);
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            process.Dispose();
            throw;
        }

        var stderr = await stderrTask.ConfigureAwait(false);
        var exit = process.ExitCode;
        process.Dispose();
        if (SshErrors.IsTransportFailure(exit, stderr))
        {
            _masterSuspect = true;
            throw SshErrors.Classify(Name, stderr, "read " + path);
        }

        if (exit == RemoteScripts.NotFound)
        {
            throw new DeployException(DeployErrorCode.RemotePathNotFound, $"'{path}' does not exist on {Name}.") { Host = Name, Path = path };
        }

        throw new DeployException(DeployErrorCode.RemoteIoFailed, $"Cannot read '{path}' on {Name} (exit {exit}): {stderr.Trim()}") { Host = Name, Path = path, ExitCode = exit };
    }

    /// <summary>
    /// Runs <paramref name="commandLine"/> on its own ssh channel over the master, with <c>DEPLOY_SSH_JOB</c> set
    /// and the streams redirected: on the spare channel when one is waiting (see <see cref="SpareChannel"/>), and
    /// starts the next spare.
    /// </summary>
    private async Task<Process> StartChannelAsync(string job, string commandLine, CancellationToken cancellationToken)
    {
        var controlPath = await EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await TakeChannelAsync(controlPath, job, commandLine, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DeployException(DeployErrorCode.ToolMissing, $"Could not start the ssh client '{_options.SshExecutable}': {e.Message}", e) { Host = Name };
        }
    }

    /// <summary>The second half of <see cref="StartChannelAsync"/>, once the master is up.</summary>
    private async Task<Process> TakeChannelAsync(string controlPath, string job, string commandLine, CancellationToken cancellationToken)
    {
        var process = Interlocked.Exchange(ref _spareChannel, null);
        if (process is not null && (SpareChannel.HasExited(process) || !string.Equals(_spareControlPath, controlPath, StringComparison.Ordinal)))
        {
            SpareChannel.Discard(process);
            process = null;
        }

        if (process is not null && await TryDispatchAsync(process, job, commandLine, cancellationToken).ConfigureAwait(false) is not null)
        {
            SpareChannel.Discard(process);
            process = null;
        }

        if (process is null)
        {
            process = SpareChannel.Start(_arguments, controlPath);
            if (await TryDispatchAsync(process, job, commandLine, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                process.Dispose();
                _masterSuspect = true;
                throw SshErrors.Classify(Name, failure.StandardError, "open a channel");
            }
        }

        // The next transfer's channel warms up while this one runs.
        if (_disposed == 0 && Volatile.Read(ref _spareChannel) is null)
        {
            var spare = SpareChannel.Start(_arguments, controlPath);
            _spareControlPath = controlPath;
            if (Interlocked.CompareExchange(ref _spareChannel, spare, null) is not null)
            {
                SpareChannel.Discard(spare);
            }
        }

        return process;
    }

    /// <summary>Dispatches; returns <c>null</c> once the command runs, or why the channel closed before.</summary>
    private static async Task<SpareChannel.ChannelClosedException?> TryDispatchAsync(Process channel, string job, string commandLine, CancellationToken cancellationToken)
    {
        try
        {
            await SpareChannel.DispatchAsync(channel, job, commandLine, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (SpareChannel.ChannelClosedException e)
        {
            return e;
        }
        catch (OperationCanceledException)
        {
            Kill(channel);
            channel.Dispose();
            throw;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
