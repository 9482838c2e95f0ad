namespace Deploy.Core.Hosts.Ssh;

/// <summary>How an <see cref="SshHost"/> treats the server's host key.</summary>
public enum HostKeyPolicy
{
    /// <summary>The key must already be in the known_hosts file (<c>StrictHostKeyChecking=yes</c>). The default.</summary>
    Strict,

    /// <summary>
    /// An unknown host's key is added to the known_hosts file on first contact; a changed key is still refused
    /// (<c>StrictHostKeyChecking=accept-new</c>). Use only when the first connection is trusted.
    /// </summary>
    AcceptNew,
}
