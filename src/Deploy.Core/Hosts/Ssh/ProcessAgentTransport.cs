using System.Diagnostics;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>An agent shell reached through a local <c>ssh</c> client process on the master connection.</summary>
internal sealed class ProcessAgentTransport(Process process) : IAgentTransport
{
    /// <inheritdoc />
    public Stream Input { get; } = process.StandardInput.BaseStream;

    /// <inheritdoc />
    public Stream Output { get; } = process.StandardOutput.BaseStream;

    /// <inheritdoc />
    public Stream Errors { get; } = process.StandardError.BaseStream;

    /// <inheritdoc />
    public bool HasExited
    {
        get
        {
            try
            {
                return process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Closes the shell's input (it exits), and kills the client if it has not gone within two seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            Input.Close();
        }
        catch (IOException)
        {
        }

        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }

        process.Dispose();
    }
}
