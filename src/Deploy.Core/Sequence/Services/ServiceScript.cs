using System.Text;
using Deploy.Core.Hosts;

namespace Deploy.Core.Sequence;

/// <summary>The shell script that materializes one service on the target.</summary>
internal static class ServiceScript
{
    /// <summary>
    /// <c>cd</c> into the working directory (prefixed with <c>$DEPLOY_ROOT</c> on a rooted LocalHost) and run the
    /// command. Runtime services <c>exec</c> a shell so the pid stays the service's.
    /// </summary>
    public static string Render(ServiceRef service)
    {
        var sb = new StringBuilder("#!/bin/sh\n# Deploy SDK sequence service; recreated by every apply that changes it.\n");
        sb.Append("export DEPLOY_SERVICE_KIND=").Append(service.Service.Kind.ToString().ToLowerInvariant()).Append('\n');
        sb.Append("export DEPLOY_COMPONENT=").Append(CommandLine.Quote(service.Component)).Append('\n');
        if (service.Service.WorkingDirectory is { } wd)
        {
            sb.Append("cd \"${DEPLOY_ROOT:-}\"").Append(CommandLine.Quote(wd)).Append(" || exit 125\n");
        }

        sb.Append(service.Service.Command).Append('\n');
        return sb.ToString();
    }
}
