using System.Text;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// Uploads over the managed connection: the same <see cref="UploadStream"/> (tar with pax times, manifest first,
/// commit mark last) into the same <c>host-upload.sh</c> on an exec channel, laid out the same way (on a guess the
/// script confirms, or else on the check it answers first); placement is the same atomic one and a stream cut
/// before its commit mark places nothing.
/// </summary>
internal sealed class ManagedUploader
{
    private readonly ManagedCommands _commands;
    private readonly RemoteFiles _files;
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;

    public ManagedUploader(ManagedCommands commands, RemoteFiles files, SshHostOptions options, ILogger logger)
    {
        _commands = commands;
        _files = files;
        _options = options;
        _logger = logger;
    }

    private string Name => _options.DisplayName;

    /// <summary>The largest destination check asked in the upload's own channel (see <see cref="SshUploader.InChannelCheckBytes"/>).</summary>
    public int InChannelCheckBytes { get; set; } = 64 * 1024;

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
        var bytes = await retry(ct => UploadOnceAsync(items, placeAfter, after, progress, ct), cancellationToken).ConfigureAwait(false);
        var elapsed = _options.TimeProvider.GetElapsedTime(start);
        SshLog.Uploaded(_logger, Name, items.Count, bytes, elapsed.TotalMilliseconds);
        return new TransferSummary(items.Count, bytes, elapsed);
    }

    /// <summary>Tests: false lays every upload out on the destination check (see <see cref="SshUploader.Guess"/>).</summary>
    public bool Guess { get; set; } = true;

    // Set once the host has refused a split stream (it has no perl): later uploads go in one stream.
    private volatile bool _oneStream;

    private async Task<long> UploadOnceAsync(List<UploadStream.Item> items, Task? placeAfter, AfterPlacement? after, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var targets = items.ConvertAll(i => i.Target);
        var parents = UploadLayout.ParentsOf(targets);

        // On a guess first, else on the check, as over OpenSSH (SshUploader). The check rides in the upload's own
        // channel and is answered before the stream; one too large for one command runs first on its own.
        return await MissingDirectories.GuessFirstAsync(
            parents,
            Guess,
            placeAfter,
            (anchor, levels) => TransferAsync(items, targets, parents, levels, null, anchor, placeAfter, after, progress, cancellationToken),
            anchor => SshLog.GuessMissed(_logger, Name, anchor),
            async () =>
            {
                var check = MissingDirectories.OneCommand(parents, InChannelCheckBytes);
                var missing = check is null ? await _files.MissingLevelsAsync(parents, cancellationToken).ConfigureAwait(false) : null;
                return (await TransferAsync(items, targets, parents, missing, check, null, placeAfter, after, progress, cancellationToken).ConfigureAwait(false))!.Value;
            }).ConfigureAwait(false);
    }

    /// <summary>One transfer (see <see cref="SshUploader"/>'s); null when the script refused the guess's anchor.</summary>
    private async Task<long?> TransferAsync(List<UploadStream.Item> items, List<string> targets, IReadOnlyList<string> parents, Dictionary<string, int>? missing, (MissingDirectories.Query Query, string[] Args)? check, string? anchor, Task? placeAfter, AfterPlacement? after, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var bookkeeping = PosixPath.Combine(_options.RemoteTempDirectory, ".deploy-up-" + id);
        var split = !_oneStream && items.Count >= UploadFrames.SplitFrom;
        using var channel = await _commands.StartAsync(CommandLine.Join(["exec", .. RemoteScripts.UploadArgv(bookkeeping, "auto", after, check?.Args, anchor, split)]), "upload", input: true, cancellationToken).ConfigureAwait(false);
        var stderr = ReadErrorsAsync(channel);
        UploadLayout layout;
        try
        {
            missing ??= await ReadCheckAsync(channel, check!.Value, parents, stderr, cancellationToken).ConfigureAwait(false);
            layout = UploadLayout.Create(targets, id, missing);
        }
        catch
        {
            await _commands.KillJobAsync(channel).ConfigureAwait(false);
            throw;
        }

        long sent = 0;
        try
        {
            try
            {
                if (split)
                {
                    SshLog.Split(_logger, Name, items.Count);
                }

                sent = await UploadStream.SendAsync(channel.Input, bookkeeping, layout, items, items.Sum(x => x.Size), split, placeAfter, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException || ManagedErrors.IsTransport(e))
            {
                // The channel went away mid-stream (or the script refused the guess): its exit status below says why.
            }
            catch (Exception e) when (e is DeployException || (placeAfter is { IsFaulted: true } && e is not OperationCanceledException))
            {
                // Cut before the commit mark: the remote side places nothing and removes its temps. Wait for that;
                // but a stream that never carried a byte gets no EOF from SSH.NET, so its script is killed instead.
                if (channel.Input.Position > 0)
                {
                    await channel.Execution.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _commands.KillJobAsync(channel).ConfigureAwait(false);
                }

                throw;
            }

            await channel.Execution.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await _commands.KillJobAsync(channel).ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (ManagedErrors.IsTransport(e))
        {
            throw _commands.Dropped("upload");
        }

        var exit = channel.ExitCode ?? throw _commands.Dropped("upload");
        if (anchor is not null && exit == UploadStream.AnchorRefused)
        {
            return null;
        }

        if (split && exit == UploadFrames.SplitRefused)
        {
            // Nothing was read or created: the same transfer again, in one stream.
            _oneStream = true;
            SshLog.SplitRefused(_logger, Name);
            return await TransferAsync(items, targets, parents, check is null ? missing : null, check, anchor, placeAfter, after, progress, cancellationToken).ConfigureAwait(false);
        }

        if (exit != 0)
        {
            throw UploadStream.Failed(Name, items.Count, exit, await stderr.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false));
        }

        return sent;
    }

    /// <summary>
    /// Reads the answer to the destination check that the upload's script gives before its stream (lines, then
    /// "."). A channel that ends first failed: its exit status and stderr say how.
    /// </summary>
    private async Task<Dictionary<string, int>> ReadCheckAsync(ManagedChannel channel, (MissingDirectories.Query Query, string[] Args) check, IReadOnlyList<string> parents, Task<string> stderr, CancellationToken cancellationToken)
    {
        string? answer;
        try
        {
            await channel.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            answer = await BlockingReads.OnOwnThread(() => ReadAnswerAsync(channel.Output)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException || ManagedErrors.IsTransport(e))
        {
            throw _commands.Dropped("upload");
        }

        if (answer is not null)
        {
            return MissingDirectories.Answer(check.Query, parents, answer) ?? throw RemoteFiles.DestinationCheckFailed(Name, null, null);
        }

        await channel.Execution.WaitAsync(cancellationToken).ConfigureAwait(false);
        var exit = channel.ExitCode ?? throw _commands.Dropped("upload");
        throw RemoteFiles.DestinationCheckFailed(Name, exit, await stderr.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false));
    }

    /// <summary>The lines before a line "." (null when the stream ends first). Byte by byte, UTF-8 unread: the
    /// answer holds digits only, and nothing after its end is consumed.</summary>
    private static async Task<string?> ReadAnswerAsync(Stream output)
    {
        var answer = new StringBuilder();
        var line = new StringBuilder();
        var one = new byte[1];
        while (await output.ReadAsync(one, CancellationToken.None).ConfigureAwait(false) == 1)
        {
            if (one[0] != (byte)'\n')
            {
                line.Append((char)one[0]);
                continue;
            }

            if (line.Length == 1 && line[0] == '.')
            {
                return answer.ToString();
            }

            answer.Append(line).Append('\n');
            line.Clear();
        }

        return null;
    }

    private static async Task<string> ReadErrorsAsync(ManagedChannel channel)
    {
        try
        {
            await channel.Ready.ConfigureAwait(false);
            return await BlockingReads.OnOwnThread(() => new StreamReader(channel.Errors, Encoding.UTF8).ReadToEndAsync(CancellationToken.None)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
