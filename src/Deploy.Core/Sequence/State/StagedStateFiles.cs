using System.Globalization;

namespace Deploy.Core.Sequence.State;

/// <summary>
/// Local files holding a serialized state staged to travel with the bulk transfer. Their name carries the owner's
/// pid, so staging can delete those of processes that are gone (killed between staging and committing).
/// </summary>
internal static class StagedStateFiles
{
    private const string Prefix = "deploy-state-";

    /// <summary>A new staged-state file name in the temp directory, owned by this process.</summary>
    public static string NewPath()
        => Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}.json"));

    /// <summary>
    /// Deletes staged-state files whose process is gone: only files untouched for an hour count (a pid from another
    /// pid namespace sharing the temp directory must not cost a live apply its file). Best effort: what cannot be
    /// deleted stays.
    /// </summary>
    public static void RemoveOrphaned(TimeProvider time)
    {
        var cutoff = time.GetUtcNow().UtcDateTime.AddHours(-1);
        try
        {
            foreach (var file in Directory.EnumerateFiles(Path.GetTempPath(), Prefix + "*.json"))
            {
                var name = Path.GetFileName(file.AsSpan())[Prefix.Length..];
                var dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || File.GetLastWriteTimeUtc(file) > cutoff || Operations.ProcessLiveness.IsAlive(pid))
                {
                    continue;
                }

                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleanup is a courtesy; staging goes on.
        }
    }
}
