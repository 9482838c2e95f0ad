namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// The connection a <see cref="SessionPool"/> starts its <see cref="AgentSession"/>s on: the OpenSSH master
/// (<see cref="SshConnection"/>) or the managed transport's SSH.NET connection.
/// </summary>
internal interface IAgentSessionSource
{
    /// <summary>The host's display name, for messages.</summary>
    string Name { get; }

    /// <summary>Whether an operation saw the connection fail since it was last checked.</summary>
    bool IsSuspect { get; }

    /// <summary>Called before a replacement connection is opened: the old one's sessions are dead.</summary>
    Func<ValueTask>? BeforeReconnect { get; set; }

    /// <summary>Records that an operation saw the transport fail: the next use checks the connection first.</summary>
    void MarkSuspect();

    /// <summary>Starts a new agent shell (connecting first when needed). Its first command has not run yet.</summary>
    Task<AgentSession> StartSessionAsync(int id, CancellationToken cancellationToken);

    /// <summary>Kills a command started with <c>DEPLOY_SSH_JOB=jobId</c> and every process that inherited it (best effort).</summary>
    Task KillJobAsync(string jobId);
}
