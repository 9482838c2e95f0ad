namespace Deploy.Core.Inventory;

/// <summary>How the SDK reaches an inventory host (the <c>connection:</c> field).</summary>
public enum HostConnection
{
    /// <summary>Over SSH with the system OpenSSH client (the default for every host but <c>local</c>).</summary>
    Ssh = 0,

    /// <summary>The machine the SDK runs on, optionally rooted in a sandbox directory (<c>root:</c>).</summary>
    Local = 1,
}
