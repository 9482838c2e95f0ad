namespace Deploy.Testing;

/// <summary>Which rc files the login shell of an sshd fixture runs.</summary>
public enum LoginShell
{
    /// <summary>
    /// sshd sets <c>SHLVL=1</c>, so bash skips <c>~/.bashrc</c> (root's on these machines runs a slow
    /// <c>pyenv init</c>): a test measures the SDK, not this machine's rc files. The default of the isolated hosts.
    /// </summary>
    Clean = 0,

    /// <summary>The machine's rc files run as on a real server (the default of <see cref="SshServer"/>).</summary>
    Machine = 1,
}
