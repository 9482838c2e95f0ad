using Deploy.Core.Errors;

namespace Deploy.Cli;

/// <summary>Turns SDK failures into a clear line on stderr and a non-zero exit code.</summary>
internal static class CliErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (DeployException e)
        {
            var where = string.Join(", ", new[] { ("service", e.Service), ("host", e.Host), ("path", e.Path) }.Where(f => f.Item2 is not null && !e.Message.Contains(f.Item2, StringComparison.Ordinal)).Select(f => $"{f.Item1}: {f.Item2}"));
            await Console.Error.WriteLineAsync($"error [{e.Code}]: {e.Message}{(where.Length == 0 ? "" : $" ({where})")}").ConfigureAwait(false);
            return 2;
        }
    }
}
