using System.Text;
using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// Uploads over the managed connection: the same <see cref="UploadStream"/> (tar with pax times, manifest first,
/// commit mark last) into the same <c>host-upload.sh</c> on an exec channel, so placement is the same atomic one
/// and a stream cut before its commit mark places nothing.
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

        var start = _options.TimeProvider.GetTimestamp();
        var bytes = await retry(ct => UploadOnceAsync(items, placeAfter, after, progress, ct), cancellationToken).ConfigureAwait(false);
        var elapsed = _options.TimeProvider.GetElapsedTime(start);
        SshLog.Uploaded(_logger, Name, items.Count, bytes, elapsed.TotalMilliseconds);
        return new TransferSummary(items.Count, bytes, elapsed);
    }

    private async Task<long> UploadOnceAsync(List<UploadStream.Item> items, Task? placeAfter, AfterPlacement? after, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var bookkeeping = PosixPath.Combine(_options.RemoteTempDirectory, ".deploy-up-" + id);
        var targets = items.ConvertAll(i => i.Target);
        var missing = await _files.MissingLevelsAsync(UploadLayout.ParentsOf(targets), cancellationToken).ConfigureAwait(false);
        var layout = UploadLayout.Create(targets, id, missing);

        using var channel = await _commands.StartAsync(CommandLine.Join(["exec", .. RemoteScripts.UploadArgv(bookkeeping, "auto", after)]), "upload", input: true, cancellationToken).ConfigureAwait(false);
        var stderr = ReadErrorsAsync(channel);
        long sent = 0;
        try
        {
            try
            {
                sent = await UploadStream.SendAsync(channel.Input, bookkeeping, layout, items, items.Sum(x => x.Size), placeAfter, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException || ManagedErrors.IsTransport(e))
            {
                // The channel went away mid-stream: its exit status below says why.
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
        if (exit != 0)
        {
            throw UploadStream.Failed(Name, items.Count, exit, await stderr.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false));
        }

        return sent;
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
