using Renci.SshNet;
using Renci.SshNet.Common;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// The OpenSSH transport's host key policy, for SSH.NET: a key must be in known_hosts; an unknown host is accepted
/// (and appended) only with <see cref="HostKeyPolicy.AcceptNew"/>; a changed or revoked key is always refused.
/// </summary>
internal sealed class ManagedHostKeyCheck
{
    // accept-new appends from any host's connection: one writer at a time per process.
    private static readonly object AppendLock = new();
    private readonly string _file;
    private readonly HostKeyPolicy _policy;
    private readonly string _hostName;

    public ManagedHostKeyCheck(string knownHostsFile, HostKeyPolicy policy, string hostName)
    {
        _file = knownHostsFile;
        _policy = policy;
        _hostName = hostName;
    }

    /// <summary>The verdict on the key the server presented; <c>null</c> until it did.</summary>
    public KnownHosts.Verdict? Verdict { get; private set; }

    /// <summary>Offers the key types known_hosts has for the host first, as ssh does, so a known key is the one presented.</summary>
    public void PreferKnownTypes(ConnectionInfo info)
    {
        var types = KnownHosts.TypesFor(ReadLines(), _hostName);
        if (types.Count == 0)
        {
            return;
        }

        var ordered = info.HostKeyAlgorithms.OrderBy(a => types.Contains(KeyTypeOf(a.Key), StringComparer.Ordinal) ? 0 : 1).ToList();
        info.HostKeyAlgorithms.Clear();
        foreach (var algorithm in ordered)
        {
            info.HostKeyAlgorithms.Add(algorithm.Key, algorithm.Value);
        }
    }

    /// <summary>SSH.NET's host key callback: trusts the key only when the policy allows it.</summary>
    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        var verdict = KnownHosts.Check(ReadLines(), _hostName, e.HostKey);
        if (verdict == KnownHosts.Verdict.Unknown && _policy == HostKeyPolicy.AcceptNew)
        {
            Append(KnownHosts.Line(_hostName, e.HostKey));
            verdict = KnownHosts.Verdict.Known;
        }

        Verdict = verdict;
        e.CanTrust = verdict == KnownHosts.Verdict.Known;
    }

    private static string KeyTypeOf(string algorithm) => algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) ? "ssh-rsa" : algorithm;

    private string[] ReadLines() => File.Exists(_file) ? File.ReadAllLines(_file) : [];

    private void Append(string line)
    {
        lock (AppendLock)
        {
            if (Path.GetDirectoryName(_file) is { Length: > 0 } dir)
            {
                Directory.CreateDirectory(dir);
            }

            var existing = File.Exists(_file) ? File.ReadAllText(_file) : "";
            var separator = existing.Length > 0 && !existing.EndsWith('\n') ? "\n" : "";
            File.AppendAllText(_file, separator + line + "\n");
        }
    }
}
