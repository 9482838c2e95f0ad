namespace Deploy.Core.Hosts.Ssh;

/// <summary>Which cipher an SSH connection asks for first (<see cref="SshHostOptions.CipherPreference"/>).</summary>
public enum SshCipherPreference
{
    /// <summary>
    /// Where this machine's CPU has AES instructions, the AES-GCM ciphers (<c>aes128-gcm@openssh.com</c>,
    /// <c>aes256-gcm@openssh.com</c>) move to the front of the ciphers the connection would offer anyway; nothing
    /// is added (with OpenSSH, the list is the one <c>ssh -G</c> reports, so a system crypto policy or an
    /// <c>ssh_config</c> that leaves AES-GCM out is obeyed). With AES instructions AES-GCM moves bulk data at about
    /// twice the speed of OpenSSH's default <c>chacha20-poly1305@openssh.com</c> on each side (an upload of a large
    /// package spends that on both ends), and unlike it is not open to the Terrapin prefix truncation against
    /// servers without strict key exchange. The default.
    /// </summary>
    AesGcmFirst = 0,

    /// <summary>The order of the SSH implementation and its configuration, unchanged.</summary>
    Configured = 1,
}
