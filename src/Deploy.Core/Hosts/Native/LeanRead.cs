using System.Runtime.InteropServices;

namespace Deploy.Core.Hosts.Native;

/// <summary>
/// Reads a file the way <c>tar</c> does, on 64-bit Linux: <c>open(2)</c>, one <c>statx(2)</c> for size, mode and
/// exact time, <c>pread(2)</c>, <c>close(2)</c>. A .NET file handle costs more system calls per file: an
/// <c>fstat</c> when it opens (the directory check), an advisory <c>flock</c> and its unlock on close (its
/// <see cref="FileShare"/> emulation), and one more <c>fstat</c> each for length, mode and time: nine calls instead
/// of four. Bulk uploads open thousands of small files, and on a virtual machine every system call is a trap to the
/// hypervisor, so this is the upload's file reader; it is named for what it skips and used nowhere else. Where it
/// cannot work (not Linux, a 32-bit process, a libc without <c>statx</c>), <see cref="IsAvailable"/> is false and
/// callers use the .NET calls.
/// </summary>
internal static unsafe partial class LeanRead
{
    private const int ReadOnlyNonBlockingCloseOnExec = 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC (generic Linux values)
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH
    private const uint TypeModeMtimeSize = 0x1 | 0x2 | 0x40 | 0x200; // STATX_TYPE | STATX_MODE | STATX_MTIME | STATX_SIZE
    private const int Interrupted = 4; // EINTR
    private static int _unavailable = OperatingSystem.IsLinux() && Environment.Is64BitProcess ? 0 : 1;

    /// <summary>Whether the lean calls can be used in this process (false once a libc lacked one).</summary>
    public static bool IsAvailable => Volatile.Read(ref _unavailable) == 0;

    /// <summary>What <c>statx</c> says about an open file.</summary>
    /// <param name="IsRegularFile">Whether it is a regular file (not a directory, device or FIFO).</param>
    /// <param name="Length">Its size in bytes.</param>
    /// <param name="Mode">Its permission bits (and set-id and sticky bits).</param>
    /// <param name="Modified">Its modification time, to the 100 ns a <see cref="DateTimeOffset"/> holds.</param>
    public readonly record struct Status(bool IsRegularFile, long Length, UnixFileMode Mode, DateTimeOffset Modified);

    /// <summary>
    /// Opens <paramref name="path"/> read-only (never blocking on a FIFO) and returns its descriptor, or -1 with the
    /// error number in <paramref name="errno"/>; null when the lean calls are unavailable.
    /// </summary>
    public static int? TryOpen(string path, out int errno)
    {
        errno = 0;
        try
        {
            int fd;
            do
            {
                fd = Open(path, ReadOnlyNonBlockingCloseOnExec);
                errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
            while (fd < 0 && errno == Interrupted);
            return fd;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref _unavailable, 1);
            return null;
        }
    }

    /// <summary>The status of the open file <paramref name="fd"/>; null when this libc has no <c>statx</c> (the caller falls back).</summary>
    /// <exception cref="IOException">statx failed.</exception>
    public static Status? Stat(int fd, string path)
    {
        var buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(fd, string.Empty, EmptyPath, TypeModeMtimeSize, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            Volatile.Write(ref _unavailable, 1);
            return null;
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == 38)
            {
                // ENOSYS: a kernel older than 4.11.
                Volatile.Write(ref _unavailable, 1);
                return null;
            }

            throw new IOException($"statx '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        // struct statx: stx_mode (u16) at 28, stx_size (u64) at 40, stx_mtime {s64 sec; u32 nsec} at 112.
        var mode = *(ushort*)(buffer + 28);
        var size = *(long*)(buffer + 40);
        var seconds = *(long*)(buffer + 112);
        var nanoseconds = *(uint*)(buffer + 120);
        var modified = DateTimeOffset.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100));
        return new Status((mode & 0xF000) == 0x8000, size, (UnixFileMode)(mode & 0xFFF), modified);
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; 0 at the end.</summary>
    /// <exception cref="IOException">pread failed.</exception>
    public static int Read(int fd, Span<byte> buffer, long offset, string path)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = PRead(fd, p, (nuint)buffer.Length, offset);
                if (n >= 0)
                {
                    return (int)n;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Interrupted)
                {
                    throw new IOException($"read '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                }
            }
        }
    }

    /// <summary>Closes a descriptor from <see cref="TryOpen"/>.</summary>
    public static void Close(int fd) => CloseNative(fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);
}
