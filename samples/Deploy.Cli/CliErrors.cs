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
            await Console.Error.WriteLineAsync($"error [{e.Code}]: {e.Message}{(e.Path is null ? "" : $" (path: {e.Path})")}").ConfigureAwait(false);
            return 2;
        }
    }
}
