using System.Diagnostics;
using System.Text;
using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>Streaming transfers: each runs on its own ssh channel over the master connection.</summary>
public sealed partial class SshHost
{
    /// <inheritdoc />
    public async Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var items = new List<(FileUpload File, string Target, long Size)>(files.Count);
        foreach (var f in files)
        {
            ArgumentNullException.ThrowIfNull(f);
            PosixPath.EnsureAbsolute(f.TargetPath, nameof(files));
            var target = PosixPath.Normalize(f.TargetPath);
            if (target == "/")
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, "An upload target cannot be '/'.") { Path = f.TargetPath };
            }

            var info = new FileInfo(f.LocalPath);
            if (!info.Exists)
            {
                throw new DeployException(DeployErrorCode.LocalPathNotFound, $"Upload source '{f.LocalPath}' does not exist.") { Path = f.LocalPath };
            }

            items.Add((f, target, info.Length));
        }

        if (items.Count == 0)
        {
            return new TransferSummary(0, 0, TimeSpan.Zero);
        }

        var start = _options.TimeProvider.GetTimestamp();

        // Uploading is idempotent (the same bytes land at the same paths), so a cut connection is retried.
        var bytes = await RetryAsync(ct => UploadOnceAsync(items, progress, ct), cancellationToken).ConfigureAwait(false);
        var elapsed = _options.TimeProvider.GetElapsedTime(start);
        SshLog.Uploaded(_logger, Name, items.Count, bytes, elapsed.TotalMilliseconds);
        return new TransferSummary(items.Count, bytes, elapsed);
    }

    /// <summary>Tests: forces a python3 interpreter path (it sets exact times) or <c>pl</c> (pax headers carry them, perl renames).</summary>
    internal void ForceUploadMode(string mode) => _uploadMode = mode;

    private async Task<long> UploadOnceAsync(List<(FileUpload File, string Target, long Size)> items, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var bookkeeping = PosixPath.Combine(_options.RemoteTempDirectory, ".deploy-up-" + id);
        var temps = new string[items.Count];
        var manifest = new StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            temps[i] = PosixPath.Combine(PosixPath.GetDirectoryName(items[i].Target), ".deploy-tmp-" + id + "-" + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            var mtime = items[i].File.ModifiedTime ?? new DateTimeOffset(File.GetLastWriteTimeUtc(items[i].File.LocalPath));
            var nanoseconds = (mtime.UtcDateTime - DateTime.UnixEpoch).Ticks * 100;
            manifest.Append(temps[i]).Append('\0').Append(items[i].Target).Append('\0').Append(nanoseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\0');
        }

        _uploadMode ??= (await ScriptAsync(RemoteScripts.UploadMode, [], idempotent: true, cancellationToken).ConfigureAwait(false)).StandardOutput.Trim();
        var exactTimesInTar = _uploadMode is not { Length: > 0 } m || m == "pl";

        var job = AgentSession.NewJobId();
        using var process = await StartChannelAsync(job, CommandLine.Join(["exec", "/bin/sh", "-c", RemoteScripts.Upload, "sh", bookkeeping, exactTimesInTar ? "pl" : _uploadMode!]), cancellationToken).ConfigureAwait(false);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        long total = items.Sum(x => x.Size);
        long sent = 0;
        try
        {
            try
            {
                sent = await Task.Run(() => WriteTar(process.StandardInput.BaseStream, bookkeeping, Encoding.UTF8.GetBytes(manifest.ToString()), items, temps, total, exactTimesInTar, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // ssh went away mid-stream: its exit code and stderr below say why.
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

    private static long WriteTar(Stream stdin, string bookkeeping, byte[] manifest, List<(FileUpload File, string Target, long Size)> items, string[] temps, long total, bool exactTimes, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        long sent = 0;
        var writer = new PaxArchiveWriter(stdin);
        var now = DateTimeOffset.FromUnixTimeSeconds(0);
        try
        {
            var listPath = PosixPath.Combine(bookkeeping, "list");
            var listFile = Path.GetTempFileName();
            try
            {
                File.WriteAllBytes(listFile, manifest);
                using var list = File.OpenHandle(listFile);
                writer.WriteFile(listPath.TrimStart('/'), UnixFileMode.UserRead | UnixFileMode.UserWrite, now, manifest.Length, list, listPath);
            }
            finally
            {
                File.Delete(listFile);
            }

            for (var i = 0; i < items.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (file, target, _) = items[i];
                var info = new FileInfo(file.LocalPath);
                using var source = File.OpenHandle(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
                var length = info.Length;
                writer.WriteFile(temps[i].TrimStart('/'), file.Mode ?? info.UnixFileMode, file.ModifiedTime ?? new DateTimeOffset(info.LastWriteTimeUtc), length, source, file.LocalPath, exactTimes);
                sent += length;
                progress?.Report(new TransferProgress(i + 1, items.Count, sent, total, target));
            }

            // The commit mark: the remote side places files only if the stream got this far.
            cancellationToken.ThrowIfCancellationRequested();
            writer.WriteFile(PosixPath.Combine(bookkeeping, "done").TrimStart('/'), UnixFileMode.UserRead, now, 0, null, bookkeeping);
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

    /// <summary>Starts <c>ssh host cmdline</c> over the master with <c>DEPLOY_SSH_JOB</c> set, streams redirected.</summary>
    private async Task<Process> StartChannelAsync(string job, string commandLine, CancellationToken cancellationToken)
    {
        var controlPath = await EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
        var psi = _arguments.Client(controlPath, $"DEPLOY_SSH_JOB={job}; export DEPLOY_SSH_JOB; {commandLine}");
        var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new DeployException(DeployErrorCode.ToolMissing, $"Could not start the ssh client '{_options.SshExecutable}': {e.Message}", e) { Host = Name };
        }

        return process;
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
