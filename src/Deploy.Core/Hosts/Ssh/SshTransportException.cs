using Deploy.Core.Errors;

namespace Deploy.Core.Hosts.Ssh;

/// <summary>
/// A transport failure that may go away on its own (connection refused or reset, master connection gone). Only
/// this kind is retried, and only for idempotent work.
/// </summary>
internal sealed class SshTransportException : DeployException
{
    public SshTransportException(DeployErrorCode code, string message, Exception? innerException = null)
        : base(code, message, innerException)
    {
    }
}
