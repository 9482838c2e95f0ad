using Deploy.Core.Errors;

namespace Deploy.Packaging.Agents;

/// <summary>Recognises a full disk (ENOSPC) wherever it surfaced: a local write (<see cref="IOException"/> with errno
/// 28), or a command on the target (<c>tar</c>, <c>cp</c>, a hook) whose error text says so.</summary>
internal static class DiskFull
{
    private const string Text = "No space left";

    /// <summary>Whether <paramref name="e"/> is a full disk.</summary>
    public static bool Is(IOException e) => (e.HResult & 0xFFFF) == 28 || e.Message.Contains(Text, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="e"/> or one of its inner exceptions is a full disk (or already says so).</summary>
    public static bool In(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is DeployException { Code: DeployErrorCode.NoSpaceLeft } || (e is IOException io && Is(io))
                || e.Message.Contains(Text, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
