using System.Diagnostics;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// Uploads over OpenSSH: the <see cref="UploadStream"/> goes into <c>host-upload.sh</c> on a channel of its own.
/// The stream is laid out on a guess (<see cref="MissingDirectories.Predict"/>) and starts at once; the script
/// confirms the guess's anchor before it reads a byte. Where it cannot (the anchor is missing or not writable), the
/// upload is laid out again on the destination check, which the script answers before the stream.
/// </summary>
internal sealed class SshUploader
{
    private readonly SshConnection _connection;
    private readonly SshChannels _channels;
    private readonly RemoteFiles _files;
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;

    public SshUploader(SshConnection connection, SshChannels channels, RemoteFiles files, SshHostOptions options, ILogger logger)
    {
        _connection = connection;
        _channels = channels;
        _files = files;
        _options = options;
        _logger = logger;
    }

    /// <summary>Tests: <c>sh</c> places files with mv even where perl exists; <c>auto</c> (the default) prefers perl.</summary>
    public string Placer { get; set; } = "auto";

    /// <summary>Tests: treats every destination directory as missing (as if it vanished after the check), to exercise merging.</summary>
    public bool AssumeDirectoriesMissing { get; set; }

    /// <summary>
    /// The largest destination check (its arguments' bytes) asked in the upload's own channel; a larger one runs on
    /// the agent. Within the agent's own command size, so a command line stays well under the 128 KiB a single
    /// argument may take on Linux. Tests set 0 to exercise the agent's check.
    /// </summary>
    public int InChannelCheckBytes { get; set; } = 64 * 1024;

    private string Name => _connection.Name;

    /// <summary>Uploads <paramref name="files"/>; <paramref name="retry"/> runs the idempotent attempt (with retries); <paramref name="after"/> runs in the remote command once every file is placed.</summary>
    public async Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, Task? placeAfter, IProgress<TransferProgress>? progress, Func<Func<CancellationToken, Task<long>>, CancellationToken, Task<long>> retry, CancellationToken cancellationToken, AfterPlacement? after = null)
    {
        var items = UploadStream.Prepare(files, needSizes: progress is not null);
        if (items.Count == 0)
        {
            if (after is not null)
            {
                throw new ArgumentException("An upload with an after-placement step needs files.", nameof(files));
            }

            if (placeAfter is not null)
            {
                await placeAfter.ConfigureAwait(false);
            }

            return new TransferSummary(0, 0, TimeSpan.Zero);
        }

        progress = UploadStream.OnlyForward(progress);
        var start = _options.TimeProvider.GetTimestamp();
        long streamed = 0;

        // Uploading is idempotent (the same bytes land at the same paths), so a cut connection is retried.
        var bytes = await retry(ct => UploadOnceAsync(items, placeAfter, after, progress, t => streamed = t, ct), cancellationToken).ConfigureAwait(false);
        var elapsed = _options.TimeProvider.GetElapsedTime(start);
        SshLog.Uploaded(_logger, Name, items.Count, bytes, elapsed.TotalMilliseconds);
        return new TransferSummary(items.Count, bytes, elapsed) { StreamDuration = _options.TimeProvider.GetElapsedTime(start, streamed) };
    }

    /// <summary>Tests: false lays every upload out on the destination check, as before there was a guess.</summary>
    public bool Guess { get; set; } = true;

    // Set once the host has refused a split stream (it has no perl): later uploads go in one stream.
    private volatile bool _oneStream;

    // streamed: receives the timestamp of the stream's last byte.
    private async Task<long> UploadOnceAsync(List<UploadStream.Item> items, Task? placeAfter, AfterPlacement? after, IProgress<TransferProgress>? progress, Action<long> streamed, CancellationToken cancellationToken)
    {
        var targets = items.ConvertAll(i => i.Target);
        var parents = UploadLayout.ParentsOf(targets);
        if (AssumeDirectoriesMissing)
        {
            return (await TransferAsync(items, targets, parents, parents.ToDictionary(p => p, _ => 1, StringComparer.Ordinal), null, null, placeAfter, after, progress, streamed, cancellationToken).ConfigureAwait(false))!.Value;
        }

        // On a guess first (no answer awaited before the stream), else on the check. The check rides in the upload's
        // own channel, answered before the stream (one remote shell, no round trip on the agent); a check too large
        // for one command runs on the agent while the channel starts.
        return await MissingDirectories.GuessFirstAsync(
            parents,
            Guess,
            placeAfter,
            (anchor, levels) => TransferAsync(items, targets, parents, levels, null, anchor, placeAfter, after, progress, streamed, cancellationToken),
            anchor => SshLog.GuessMissed(_logger, Name, anchor),
            async () => (await TransferAsync(items, targets, parents, null, MissingDirectories.OneCommand(parents, InChannelCheckBytes), null, placeAfter, after, progress, streamed, cancellationToken).ConfigureAwait(false))!.Value).ConfigureAwait(false);
    }

    /// <summary>
    /// One transfer, laid out on <paramref name="known"/> (with <paramref name="anchor"/>, the guess the script
    /// confirms), on the <paramref name="check"/> its script answers, or (neither) on a check run on the agent.
    /// Null when the script found the anchor not a writable directory: it read and placed nothing.
    /// </summary>
    private async Task<long?> TransferAsync(List<UploadStream.Item> items, List<string> targets, IReadOnlyList<string> parents, Dictionary<string, int>? known, (MissingDirectories.Query Query, string[] Args)? check, string? anchor, Task? placeAfter, AfterPlacement? after, IProgress<TransferProgress>? progress, Action<long> streamed, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var bookkeeping = PosixPath.Combine(_options.RemoteTempDirectory, ".deploy-up-" + id);
        var job = AgentSession.NewJobId();
        var split = !_oneStream && items.Count >= UploadFrames.SplitFrom;
        var channel = _channels.StartAsync(job, CommandLine.Join(["exec", .. RemoteScripts.UploadArgv(bookkeeping, Placer, after, check?.Args, anchor, split)]), cancellationToken);
        var missing = known;
        if (missing is null && check is null)
        {
            try
            {
                missing = await _files.MissingLevelsAsync(parents, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await AbandonChannelAsync(channel, job).ConfigureAwait(false);
                throw;
            }
        }

        using var process = await channel.ConfigureAwait(false);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        UploadLayout layout;
        try
        {
            missing ??= await ReadCheckAsync(process, check!.Value, parents, stderrTask, cancellationToken).ConfigureAwait(false);
            layout = UploadLayout.Create(targets, id, missing);
        }
        catch
        {
            SshChannels.Kill(process);
            await _connection.KillJobAsync(job).ConfigureAwait(false);
            throw;
        }

        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        long total = items.Sum(x => x.Size);
        long sent = 0;
        try
        {
            try
            {
                if (split)
                {
                    SshLog.Split(_logger, Name, items.Count);
                }

                sent = await UploadStream.SendAsync(process.StandardInput.BaseStream, bookkeeping, layout, items, total, split, placeAfter, progress, cancellationToken).ConfigureAwait(false);
                streamed(_options.TimeProvider.GetTimestamp());
            }
            catch (IOException)
            {
                // ssh went away mid-stream (or the script refused the guess): its exit code and stderr below say why.
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
            SshChannels.Kill(process);
            await _connection.KillJobAsync(job).ConfigureAwait(false);
            throw;
        }

        var stderr = await stderrTask.ConfigureAwait(false);
        await stdoutTask.ConfigureAwait(false);
        if (SshErrors.IsTransportFailure(process.ExitCode, stderr))
        {
            _connection.MarkSuspect();
            throw SshErrors.Classify(Name, stderr, "upload");
        }

        if (anchor is not null && process.ExitCode == UploadStream.AnchorRefused)
        {
            return null;
        }

        if (split && process.ExitCode == UploadFrames.SplitRefused)
        {
            // Nothing was read or created: the same transfer again, in one stream.
            _oneStream = true;
            SshLog.SplitRefused(_logger, Name);
            return await TransferAsync(items, targets, parents, known, check, anchor, placeAfter, after, progress, streamed, cancellationToken).ConfigureAwait(false);
        }

        if (process.ExitCode != 0)
        {
            throw UploadStream.Failed(Name, items.Count, process.ExitCode, stderr);
        }

        return sent;
    }

    /// <summary>
    /// Reads the answer to the destination check that the upload's script gives before its stream (lines, then
    /// ".": <see cref="RemoteScripts.UploadArgv"/>). A channel that ends first failed: its exit and stderr say how.
    /// </summary>
    private async Task<Dictionary<string, int>> ReadCheckAsync(Process process, (MissingDirectories.Query Query, string[] Args) check, IReadOnlyList<string> parents, Task<string> stderr, CancellationToken cancellationToken)
    {
        var answer = new System.Text.StringBuilder();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line == ".")
            {
                return MissingDirectories.Answer(check.Query, parents, answer.ToString()) ?? throw RemoteFiles.DestinationCheckFailed(Name, null, null);
            }

            answer.Append(line).Append('\n');
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (SshErrors.IsTransportFailure(process.ExitCode, errors))
        {
            _connection.MarkSuspect();
            throw SshErrors.Classify(Name, errors, "upload");
        }

        throw RemoteFiles.DestinationCheckFailed(Name, process.ExitCode, errors);
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
            SshChannels.Kill(process);
            await _connection.KillJobAsync(job).ConfigureAwait(false);
        }
    }
}
