namespace Deploy.Core.Hosts.Ssh;

/// <summary>Which SSH implementation reaches a host (<see cref="SshHostOptions.Transport"/>, inventory <c>transport:</c>).</summary>
public enum SshTransport
{
    /// <summary>
    /// The system OpenSSH client with ControlMaster and persistent remote sessions (<see cref="SshHost"/>): the
    /// fastest, and what Ansible does. Public keys and the agent only (BatchMode). The default.
    /// </summary>
    OpenSsh = 0,

    /// <summary>
    /// SSH.NET in process (<see cref="Managed.ManagedSshHost"/>): no <c>ssh</c> binary needed, and password,
    /// keyboard-interactive and passphrase-protected key logins.
    /// </summary>
    Managed = 1,
}
