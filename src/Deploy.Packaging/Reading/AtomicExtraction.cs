using System.Security.Cryptography;
using Deploy.Core.Errors;

namespace Deploy.Packaging.Reading;

/// <summary>
/// Extraction that never leaves a half-written tree: the content is written into a fresh private directory beside
/// the destination, which is renamed into place only when everything succeeded, and removed on any failure.
/// </summary>
internal static class AtomicExtraction
{
    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FinalMode = (UnixFileMode)0b111_101_101;

    /// <summary>
    /// Runs <paramref name="fill"/> on a private temporary directory beside <paramref name="destination"/> (which
    /// must not exist), then renames it to the destination and returns the full destination path with the result.
    /// </summary>
    public static async Task<(string Destination, T Result)> RunAsync<T>(string destination, Func<string, Task<T>> fill)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var dest = Path.GetFullPath(destination).TrimEnd('/');
        if (Directory.Exists(dest) || File.Exists(dest))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The extraction destination '{dest}' already exists; extract into a new directory.") { Path = dest };
        }

        var parent = Path.GetDirectoryName(dest)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, "." + Path.GetFileName(dest) + ".extract-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());
        Directory.CreateDirectory(temp, PrivateMode);
        try
        {
            var result = await fill(temp).ConfigureAwait(false);
            File.SetUnixFileMode(temp, FinalMode);
            Directory.Move(temp, dest);
            return (dest, result);
        }
        catch
        {
            TryDeleteTree(temp);
            throw;
        }
    }

    private static void TryDeleteTree(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the directory is private and hidden; it never shadows the destination.
        }
    }
}
