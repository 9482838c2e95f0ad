using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The stream an upload sends to <c>host-upload.sh</c>: a tar archive (pax headers carry exact times) whose first
/// entry is the <see cref="UploadLayout"/> manifest, then the files at their temp paths, then the empty commit mark
/// <c>done</c>; or, for a large upload, the same in two tar streams (<see cref="UploadFrames"/>). Transport-independent:
/// it writes to any <see cref="Stream"/> that reaches the script's stdin.
/// </summary>
internal static class UploadStream
{
    /// <summary>One file to upload: the size is known up front only when progress is reported (-1 otherwise); a null mode or time is read from the file.</summary>
    public readonly record struct Item(string LocalPath, string Target, long Size, UnixFileMode? Mode, DateTimeOffset? Modified);

    /// <summary>
    /// Validates the uploads and normalizes their targets. Progress needs the byte total up front: one stat per file,
    /// here, when <paramref name="needSizes"/>; otherwise each file is stat'ed through its open handle as it is
    /// streamed, off the critical path of the first byte.
    /// </summary>
    public static List<Item> Prepare(IReadOnlyList<FileUpload> files, bool needSizes)
    {
        ArgumentNullException.ThrowIfNull(files);
        var items = new List<Item>(files.Count);
        foreach (var f in files)
        {
            ArgumentNullException.ThrowIfNull(f);
            PosixPath.EnsureAbsolute(f.TargetPath, nameof(files));
            var target = PosixPath.Normalize(f.TargetPath);
            if (target == "/")
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, "An upload target cannot be '/'.") { Path = f.TargetPath };
            }

            var size = f.SizeHint ?? -1L;
            if (needSizes && size < 0)
            {
                var info = new FileInfo(f.LocalPath);
                if (!info.Exists)
                {
                    throw NotFound(f.LocalPath);
                }

                size = info.Length;
            }

            items.Add(new Item(f.LocalPath, target, size, f.Mode, f.ModifiedTime));
        }

        return items;
    }

    /// <summary>
    /// Writes the whole stream and closes <paramref name="output"/>; with <paramref name="split"/>, in the two-tar
    /// form of <see cref="UploadFrames"/>. The commit mark is written only once <paramref name="placeAfter"/> (if
    /// any) has completed: its failure, like a source that cannot be read, cuts the stream before the mark, so the
    /// remote side places nothing. Returns the payload bytes sent.
    /// </summary>
    public static async Task<long> SendAsync(Stream output, string bookkeeping, UploadLayout layout, List<Item> items, long total, bool split, Task? placeAfter, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        PaxArchiveWriter[] writers = split
            ? [new PaxArchiveWriter(UploadFrames.Tar(output, 0), UploadFrames.FrameBytes), new PaxArchiveWriter(UploadFrames.Tar(output, 1), UploadFrames.FrameBytes)]
            : [new PaxArchiveWriter(output)];
        try
        {
            // Reading the files and writing the pipe block: a pool thread of its own does it.
            var sent = await Task.Run(() => WriteEntries(output, writers, bookkeeping, layout, items, total, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (placeAfter is not null)
            {
                foreach (var writer in writers)
                {
                    writer.FlushBuffered();
                }

                await placeAfter.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Stream 1 ends first: the commit mark, last in stream 0, then follows everything else.
            for (var i = writers.Length - 1; i > 0; i--)
            {
                writers[i].Finish();
            }

            writers[0].WriteFile(PosixPath.Combine(bookkeeping, "done").TrimStart('/'), UnixFileMode.UserRead, DateTimeOffset.UnixEpoch, 0, null, bookkeeping);
            writers[0].Finish();
            if (split)
            {
                UploadFrames.Write(output, 'E', []);
                output.Flush();
            }

            return sent;
        }
        finally
        {
            // On failure the archive is left without its end: the remote tar fails (or finds no commit mark), so
            // nothing is placed.
            output.Close();
        }
    }

    private static long WriteEntries(Stream output, PaxArchiveWriter[] writers, string bookkeeping, UploadLayout layout, List<Item> items, long total, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        if (writers.Length == 1)
        {
            writers[0].WriteBytes(PosixPath.Combine(bookkeeping, "list").TrimStart('/'), UnixFileMode.UserRead | UnixFileMode.UserWrite, DateTimeOffset.UnixEpoch, layout.Manifest);
        }
        else
        {
            UploadFrames.Write(output, 'L', layout.Manifest);
        }

        // Split: stream 0 carries the first half of the files and stream 1 the rest, so a directory's files mostly
        // go to one tar; the stream with fewer bytes so far takes its next file, so both tars stay busy.
        var half = writers.Length == 1 ? items.Count : (items.Count + 1) / 2;
        int next0 = 0, next1 = half;
        long bytes0 = 0, bytes1 = 0, sent = 0;
        for (var done = 0; done < items.Count; done++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var first = next0 < half && (next1 == items.Count || bytes0 <= bytes1);
            var i = first ? next0++ : next1++;
            var item = items[i];
            using var source = UploadSource.Open(item.LocalPath, item.Mode, item.Modified);
            var size = source.Length;
            (first ? writers[0] : writers[1]).WriteFile(layout.StreamNames[i], source.Mode, source.Modified, size, source, item.LocalPath);
            if (first)
            {
                bytes0 += size + 512; // a header block each
            }
            else
            {
                bytes1 += size + 512;
            }

            sent += size;
            progress?.Report(new TransferProgress(done + 1, items.Count, sent, total, item.Target));
        }

        return sent;
    }

    /// <summary>
    /// <paramref name="progress"/> for every attempt of one upload: a later attempt (a retry, or the layout made
    /// again on a check) streams the same files again, and its reports pass only once they go past the furthest
    /// one already reported, so progress never goes back.
    /// </summary>
    public static IProgress<TransferProgress>? OnlyForward(IProgress<TransferProgress>? progress)
        => progress is null ? null : new ForwardProgress(progress);

    /// <summary>The upload script's exit status when the anchor of a guessed layout is not a writable directory: it created and read nothing.</summary>
    public const int AnchorRefused = 5;

    /// <summary>The error for an upload script that exited with <paramref name="exitCode"/> (not a transport failure).</summary>
    public static DeployException Failed(string host, int files, int exitCode, string stderr)
    {
        var what = exitCode switch
        {
            2 => "extracting the tar stream failed (is GNU tar installed, is there space?)",
            3 => "placing the files failed (a destination is a directory, or a permission is missing)",
            _ => $"the upload script exited with {exitCode}",
        };
        return new DeployException(DeployErrorCode.TransferFailed, $"Upload of {files} files to {host} failed: {what}. No file was left half-written at a destination. {stderr.Trim()}".TrimEnd())
        {
            Host = host,
            ExitCode = exitCode,
        };
    }

    /// <summary>The error for a source that does not exist or is not a regular file.</summary>
    public static DeployException NotFound(string path, Exception? inner = null)
        => new(DeployErrorCode.LocalPathNotFound, $"Upload source '{path}' does not exist or is not a file.", inner) { Path = path };

    private sealed class ForwardProgress(IProgress<TransferProgress> inner) : IProgress<TransferProgress>
    {
        private int _furthest;

        public void Report(TransferProgress value)
        {
            if (value.FilesDone > _furthest)
            {
                _furthest = value.FilesDone;
                inner.Report(value);
            }
        }
    }
}
