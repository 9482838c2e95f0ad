using Deploy.Core.Hosts;

namespace Deploy.Core.Tests.Hosts.Contract;

/// <summary>The <see cref="IHost"/> contract on a <see cref="LocalHost"/> rooted in a sandbox (the harder case: every path is mapped).</summary>
public sealed class LocalHostContractTests : HostContractTests
{
    protected override string Root => "/work";

    protected override IHost CreateHost() => LocalHost.Rooted(Scratch.Path);

    protected override string OnMachine(string targetPath) => Scratch.Path + targetPath;
}
