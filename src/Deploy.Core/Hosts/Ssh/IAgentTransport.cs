namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// What an <see cref="AgentSession"/> runs over: the remote agent shell's standard input, output and error. The
/// OpenSSH transport gives it an <c>ssh</c> client process on the master connection
/// (<see cref="ProcessAgentTransport"/>); the managed transport an exec channel of its SSH.NET connection.
/// </summary>
internal interface IAgentTransport : IAsyncDisposable
{
    /// <summary>The agent shell's standard input (commands are written here).</summary>
    Stream Input { get; }

    /// <summary>The agent shell's standard output, read asynchronously.</summary>
    Stream Output { get; }

    /// <summary>The agent shell's standard error, read asynchronously.</summary>
    Stream Errors { get; }

    /// <summary>Whether the remote shell (or the channel it runs on) is gone.</summary>
    bool HasExited { get; }
}
