using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Deploy.Core.Hosts.Native;

/// <summary>
/// The few POSIX calls the BCL does not expose as such. <c>rename(2)</c> replaces a destination symlink itself
/// (File.Move follows a symlink to a directory and refuses), which an atomic "current" link switch needs.
/// </summary>
internal static partial class Posix
{
    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string oldPath, string newPath);

    /// <summary>Atomically renames <paramref name="oldPath"/> over <paramref name="newPath"/> (rename(2)).</summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (RenameNative(oldPath, newPath) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"rename '{oldPath}' -> '{newPath}' failed: {new Win32Exception(errno).Message}", errno);
        }
    }
}
