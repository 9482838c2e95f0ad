using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.Services;

/// <summary>The shell script that materializes one service on the target.</summary>
internal static class ServiceScript
{
    /// <summary>
    /// The service's environment and command. The working directory is not in the script: whoever runs it changes
    /// into it first (the supervisor's scripts, or systemd's <c>WorkingDirectory=</c>), with the path mapped by the host.
    /// </summary>
    public static string Render(ServiceRef service)
    {
        var sb = new StringBuilder("#!/bin/sh\n# Deploy SDK sequence service; recreated by every apply that changes it.\n");
        sb.Append("export DEPLOY_SERVICE_KIND=").Append(service.Service.Kind.ToString().ToLowerInvariant()).Append('\n');
        sb.Append("export DEPLOY_COMPONENT=").Append(CommandLine.Quote(service.Component)).Append('\n');
        sb.Append(service.Service.Command).Append('\n');
        return sb.ToString();
    }
}
