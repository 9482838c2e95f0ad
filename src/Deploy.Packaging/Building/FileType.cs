using System.Runtime.InteropServices;

namespace Deploy.Packaging.Building;

/// <summary>
/// Tells regular files from directories, symlinks, FIFOs, sockets and devices, which .NET's FileInfo does not
/// distinguish on Unix (and opening a FIFO to read it would block the build). One lstat, from the runtime's own
/// System.Native library.
/// </summary>
internal static class FileType
{
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;
    private const int SymlinkType = 0xA000;

    public static FileKind Of(string path)
    {
        if (NativeMethods.LStat(path, out var status) != 0)
        {
            return FileKind.Missing;
        }

        return (status.Mode & TypeMask) switch
        {
            RegularType => FileKind.Regular,
            DirectoryType => FileKind.Directory,
            SymlinkType => FileKind.Symlink,
            _ => FileKind.Other,
        };
    }

    private static class NativeMethods
    {
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int LStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus output);
    }

    /// <summary>System.Native's FileStatus { int32 Flags; int32 Mode; ... }: Mode carries the S_IFMT bits (same
    /// values on every Unix). Sized well beyond the real struct; blittable, so lstat fills it in place.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }
}
