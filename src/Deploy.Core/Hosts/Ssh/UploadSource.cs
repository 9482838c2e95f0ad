using Deploy.Core.Errors;
using Deploy.Core.Hosts.Native;
using Microsoft.Win32.SafeHandles;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// One source file of an upload, open while its tar entry is written: its length, mode and time come from the open
/// file (a hint given with the upload wins for mode and time). On 64-bit Linux it is read with <see cref="LeanRead"/>
/// (four system calls per file, as tar pays); elsewhere through a .NET file handle.
/// </summary>
internal sealed class UploadSource : IDisposable
{
    private readonly int _fd;
    private readonly SafeFileHandle? _handle;
    private readonly string _path;

    private UploadSource(int fd, SafeFileHandle? handle, string path, long length, UnixFileMode mode, DateTimeOffset modified)
    {
        _fd = fd;
        _handle = handle;
        _path = path;
        Length = length;
        Mode = mode;
        Modified = modified;
    }

    /// <summary>The file's size when it was opened.</summary>
    public long Length { get; }

    /// <summary>The mode the entry gets.</summary>
    public UnixFileMode Mode { get; }

    /// <summary>The time the entry gets.</summary>
    public DateTimeOffset Modified { get; }

    /// <summary>Opens <paramref name="path"/>.</summary>
    /// <exception cref="DeployException"><see cref="DeployErrorCode.LocalPathNotFound"/>: it does not exist or is not a regular file.</exception>
    public static UploadSource Open(string path, UnixFileMode? mode, DateTimeOffset? modified)
    {
        if (LeanRead.IsAvailable && LeanRead.TryOpen(path, out var errno) is { } fd)
        {
            if (fd < 0)
            {
                throw errno switch
                {
                    2 or 20 or 40 => UploadStream.NotFound(path), // ENOENT, ENOTDIR, ELOOP
                    1 or 13 => new UnauthorizedAccessException($"Access to the path '{path}' is denied."), // EPERM, EACCES
                    _ => new IOException($"open '{path}' failed: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}", errno),
                };
            }

            try
            {
                if (LeanRead.Stat(fd, path) is { } status)
                {
                    if (!status.IsRegularFile)
                    {
                        throw UploadStream.NotFound(path);
                    }

                    return new UploadSource(fd, null, path, status.Length, mode ?? status.Mode, modified ?? status.Modified);
                }
            }
            catch
            {
                LeanRead.Close(fd);
                throw;
            }

            LeanRead.Close(fd); // no statx in this libc: the .NET calls from now on
        }

        var handle = OpenHandle(path);
        try
        {
            return new UploadSource(-1, handle, path, RandomAccess.GetLength(handle), mode ?? File.GetUnixFileMode(handle), modified ?? new DateTimeOffset(File.GetLastWriteTimeUtc(handle)));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; 0 at the end.</summary>
    public int Read(Span<byte> buffer, long offset)
        => _handle is null ? LeanRead.Read(_fd, buffer, offset, _path) : RandomAccess.Read(_handle, buffer, offset);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_handle is null)
        {
            LeanRead.Close(_fd);
        }
        else
        {
            _handle.Dispose();
        }
    }

    private static SafeFileHandle OpenHandle(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw UploadStream.NotFound(path, e);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            throw UploadStream.NotFound(path, e);
        }
    }
}
