using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Precheck;
using Deploy.Kubernetes.Connection;
using k8s;
using k8s.Models;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>
/// The precheck facts of the cluster as one host, from its nodes: CPU and memory are the sums of the allocatable
/// resources of the nodes whose <c>Ready</c> condition is True (what pods can get), the OS is the first Ready node's
/// <c>nodeInfo.osImage</c> (as PRETTY_NAME), the clock skew is not measured (zero); no Ready node
/// or no answer gives facts with <see cref="HostFacts.Reachable"/> false and the reason.
/// </summary>
internal static class ClusterFacts
{
    public static async Task<HostFacts> CollectAsync(KubernetesConnection connection, string host, TimeProvider time, CancellationToken cancellationToken)
    {
        V1NodeList nodes;
        try
        {
            nodes = await connection.Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DeployException or HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            return new HostFacts(host) { Reachable = false, Error = $"cannot list the nodes of {connection.Server}: {e.Message}" };
        }

        var ready = nodes.Items.Where(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true).ToList();
        if (ready.Count == 0)
        {
            return new HostFacts(host) { Reachable = false, Error = $"no node of {connection.Server} is Ready ({nodes.Items.Count} node(s))" };
        }

        decimal Sum(string resource) => ready.Sum(n => n.Status.Allocatable is { } a && a.TryGetValue(resource, out var q) ? q.ToDecimal() : 0m);
        var memory = (long)Sum("memory");
        var os = ready[0].Status.NodeInfo?.OsImage ?? "";
        return new HostFacts(host)
        {
            CpuCount = (int)Math.Floor(Sum("cpu")),
            MemoryTotalBytes = memory,
            MemoryAvailableBytes = memory,
            Hostname = string.Join(",", ready.Select(n => n.Metadata.Name)),
            OsRelease = new OsRelease(new Dictionary<string, string> { ["PRETTY_NAME"] = os, ["NAME"] = os }),
            ClockSkew = TimeSpan.Zero,
        };
    }
}
