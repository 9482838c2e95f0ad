using Deploy.Core.Hosts;
using Deploy.Packaging.Installing;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Installing;

/// <summary>A target machine in a directory: LocalHost rooted there, with its own /etc/os-release.</summary>
internal sealed class InstallSandbox : IDisposable
{
    public InstallSandbox(string osId = "centos", string version = "7")
    {
        Dir = new TempDirectory("deploy-pkg-install");
        Root = Dir.Combine("target");
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        File.WriteAllText(Path.Combine(Root, "etc", "os-release"), $"NAME=\"Test\"\nID=\"{osId}\"\nVERSION_ID=\"{version}\"\nPRETTY_NAME=\"Test {osId} {version}\"\n");
        Host = LocalHost.Rooted(Root);
    }

    public TempDirectory Dir { get; }

    public string Root { get; }

    public LocalHost Host { get; }

    public string AgentRoot => Path.Combine(Root, "opt", "rdb", "agent");

    public string Real(string targetPath) => Host.MapPath(targetPath);

    public PackageInstaller Installer(PackageInstallOptions? options = null)
        => new(Host, (options ?? new PackageInstallOptions()) with { WorkDirectory = Dir.Path });

    public string? CurrentTarget(string component = "agent") => new FileInfo(Path.Combine(Root, "opt", "rdb", component, "current")).LinkTarget;

    public void Dispose() => Dir.Dispose();
}
