using System.Collections.Concurrent;
using Deploy.Core.Hosts;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// An <see cref="IHost"/> that passes everything to <paramref name="inner"/> and records each remote invocation
/// (one command, listing, stat, read, write or bulk upload) by what it was, so a test can count the round trips an
/// operation costs without timing it.
/// </summary>
public sealed class RoundTripCountingHost(IHost inner) : IHost, IUploadWithAfterPlacement
{
    private readonly ConcurrentQueue<string> _calls = new();

    /// <summary>The invocations since creation or <see cref="Reset"/>, in the order they started.</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    public void Reset() => _calls.Clear();

    public string Name => inner.Name;

    /// <summary>Runs before a command is passed on (given its argv), e.g. to let another client act at that moment.</summary>
    public Func<IReadOnlyList<string>, Task>? BeforeCommand { get; set; }

    public Task<CommandResult> RunAsync(CommandSpec command, CancellationToken cancellationToken = default)
        => Record("run " + Describe(command), BeforeCommand is { } before ? RunAfterAsync(before, command, cancellationToken) : inner.RunAsync(command, cancellationToken));

    private async Task<CommandResult> RunAfterAsync(Func<IReadOnlyList<string>, Task> before, CommandSpec command, CancellationToken cancellationToken)
    {
        await before(command.Argv);
        return await inner.RunAsync(command, cancellationToken);
    }

    public Task<RemoteFileInfo?> StatAsync(string path, CancellationToken cancellationToken = default) => Record("stat " + path, inner.StatAsync(path, cancellationToken));

    public Task<IReadOnlyList<RemoteFileInfo>> ListTreeAsync(string root, CancellationToken cancellationToken = default) => Record("list " + root, inner.ListTreeAsync(root, cancellationToken));

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) => Record("read " + path, inner.OpenReadAsync(path, cancellationToken));

    public Task WriteFileAsync(string path, Stream content, FileWriteOptions? options = null, CancellationToken cancellationToken = default) => Record("write " + path, inner.WriteFileAsync(path, content, options, cancellationToken));

    public Task<TransferSummary> UploadAsync(IReadOnlyList<FileUpload> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
        => Record($"upload {files.Count}", inner.UploadAsync(files, progress, cancellationToken));

    public Task<TransferSummary> UploadGatedAsync(IReadOnlyList<FileUpload> files, Task placeAfter, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
        => Record($"upload {files.Count}", inner.UploadGatedAsync(files, placeAfter, progress, cancellationToken));

    // Forwarded when the inner host has it (the SSH hosts), as the applier would find it there: one invocation.
    Task<TransferSummary> IUploadWithAfterPlacement.UploadThenAsync(IReadOnlyList<FileUpload> files, Task? placeAfter, AfterPlacement after, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
        => inner is IUploadWithAfterPlacement uploads
            ? Record($"upload {files.Count} then {after.Script.Name}", uploads.UploadThenAsync(files, placeAfter, after, progress, cancellationToken))
            : throw new NotSupportedException("The inner host has no upload with an after-placement step.");

    public Task CreateDirectoryAsync(string path, UnixFileMode? mode = null, CancellationToken cancellationToken = default) => Record("mkdir " + path, inner.CreateDirectoryAsync(path, mode, cancellationToken));

    public Task MoveAsync(string source, string destination, bool overwrite = false, CancellationToken cancellationToken = default) => Record("move " + source, inner.MoveAsync(source, destination, overwrite, cancellationToken));

    public Task RemoveAsync(string path, bool recursive = false, CancellationToken cancellationToken = default) => Record("remove " + path, inner.RemoveAsync(path, recursive, cancellationToken));

    public Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken = default) => Record("symlink " + linkPath, inner.CreateSymlinkAsync(linkPath, target, cancellationToken));

    public Task SetModeAsync(string path, UnixFileMode mode, CancellationToken cancellationToken = default) => Record("chmod " + path, inner.SetModeAsync(path, mode, cancellationToken));

    public Task SetOwnerAsync(string path, string owner, string? group = null, CancellationToken cancellationToken = default) => Record("chown " + path, inner.SetOwnerAsync(path, owner, group, cancellationToken));

    public Task<OsRelease> GetOsReleaseAsync(CancellationToken cancellationToken = default) => Record("os-release", inner.GetOsReleaseAsync(cancellationToken));

    public Task<IReadOnlyList<ProcessInfo>> FindProcessesAsync(ProcessQuery query, CancellationToken cancellationToken = default) => Record("processes", inner.FindProcessesAsync(query, cancellationToken));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private T Record<T>(string call, T task)
    {
        _calls.Enqueue(call);
        return task;
    }

    /// <summary>A script's first words identify it in a failure message (the argv of a script is sh -c TEXT sh ARGS).</summary>
    private static string Describe(CommandSpec command)
    {
        var argv = command.Argv;
        var text = argv.Count > 2 && argv[1] == "-c" ? argv[2] : string.Join(' ', argv);
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return line.Length <= 60 ? line : line[..60];
    }
}
