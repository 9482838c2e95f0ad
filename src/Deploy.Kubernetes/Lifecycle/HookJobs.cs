using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Templates;
using Deploy.Kubernetes.Connection;
using Deploy.Kubernetes.Discovery;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;

namespace Deploy.Kubernetes.Lifecycle;

/// <summary>
/// Runs a service's hook as a Job (<c>sh -c &lt;command&gt;</c> in <see cref="KubernetesBackendOptions.HookImage"/>,
/// no retries, the service's config ConfigMap mounted at <c>/etc/deploy-config</c>): waits for it with the
/// readiness rules (Complete or Failed) up to the hook's timeout, collects its pods' logs (secrets redacted) and the
/// container's exit code; at the timeout the Job is deleted with its pods (foreground propagation).
/// </summary>
internal sealed class HookJobs(KubernetesConnection connection, ResourceCatalog catalog, string product, string ns, KubernetesBackendOptions options)
{
    public async Task<HookResult> RunAsync(RenderedService service, HookKind kind, Action<string>? output, CancellationToken cancellationToken)
    {
        var name = service.Service.Name;
        var hook = service.Hooks.TryGetValue(kind, out var h) ? h : throw new DeployException(DeployErrorCode.InvalidArgument, $"Service '{name}' has no {kind.ToString().ToLowerInvariant()} hook.") { Service = name };
        var jobName = $"{ServiceObjects.Dns(product)}-{ServiceObjects.Dns(name)}-{kind.ToString().ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..6]}";
        var jobs = await catalog.ResolveAsync("batch/v1", "Job", cancellationToken).ConfigureAwait(false);
        var pods = await catalog.ResolveAsync("v1", "Pod", cancellationToken).ConfigureAwait(false);
        var container = new JsonObject
        {
            ["name"] = "hook", ["image"] = options.HookImage, ["command"] = new JsonArray("sh", "-c", hook.Command),
        };
        if (hook.WorkingDirectory is { } wd)
        {
            container["workingDir"] = wd;
        }

        var podSpec = new JsonObject { ["restartPolicy"] = "Never", ["containers"] = new JsonArray(container) };
        if (service.Configs.Count > 0)
        {
            container["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "config", ["mountPath"] = "/etc/deploy-config" });
            podSpec["volumes"] = new JsonArray(new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = ServiceObjects.ConfigMapName(name) } });
        }

        var job = new JsonObject
        {
            ["apiVersion"] = "batch/v1", ["kind"] = "Job",
            ["metadata"] = ServiceObjects.Metadata(jobName, ns, product, name),
            ["spec"] = new JsonObject
            {
                ["backoffLimit"] = 0,
                ["activeDeadlineSeconds"] = (long)Math.Ceiling(hook.Timeout.TotalSeconds),
                ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["deploy-sdk.io/hook"] = jobName } }, ["spec"] = podSpec },
            },
        };
        var sw = Stopwatch.StartNew();
        await connection.SendAsync(HttpMethod.Post, jobs.PathOf(ns, null), job, null, cancellationToken).ConfigureAwait(false);
        var timedOut = false;
        try
        {
            await new ReadinessWaiter(connection, catalog).WaitAsync([new ObjectRef("batch/v1", "Job", ns, jobName)], new ReadinessOptions { Timeout = hook.Timeout, TimeProvider = options.TimeProvider }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.NotReady)
        {
            // failed: its exit code and logs say why
        }
        catch (DeployException e) when (e.Code == DeployErrorCode.Timeout)
        {
            timedOut = true;
        }

        var redact = new RenderedText("", service.Secrets);
        var text = new StringBuilder();
        var exit = 1;
        var list = await connection.SendAsync(HttpMethod.Get, pods.PathOf(ns, null) + "?labelSelector=" + Uri.EscapeDataString("job-name=" + jobName), null, null, cancellationToken).ConfigureAwait(false);
        foreach (var pod in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var podName = (string)pod["metadata"]!["name"]!;
            if (pod["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["exitCode"] is JsonValue code && code.TryGetValue<int>(out var c))
            {
                exit = c;
            }

            try
            {
                using var log = await connection.SendRawAsync(HttpMethod.Get, pods.PathOf(ns, podName) + "/log?container=hook", null, null, cancellationToken).ConfigureAwait(false);
                foreach (var line in (await log.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Split('\n').SkipLast(1))
                {
                    var l = redact.Redact(line);
                    text.Append(l).Append('\n');
                    output?.Invoke(l);
                }
            }
            catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
            {
                // no log (yet): the container never started
            }
        }

        if (timedOut)
        {
            await connection.SendAsync(HttpMethod.Delete, jobs.PathOf(ns, jobName) + "?propagationPolicy=Foreground", null, null, CancellationToken.None).ConfigureAwait(false);
            text.Append(CultureInfo.InvariantCulture, $"killed: the {kind.ToString().ToLowerInvariant()} hook ran past its timeout of {hook.Timeout}; Job {jobName} was deleted with its pods\n");
            return new HookResult(name, service.Host, kind, -1, true, text.ToString(), sw.Elapsed) { Stop = HookStop.Killed };
        }

        var job2 = await connection.SendAsync(HttpMethod.Get, jobs.PathOf(ns, jobName), null, null, cancellationToken).ConfigureAwait(false);
        var complete = (job2["status"]?["conditions"] as JsonArray ?? []).Any(x => (string?)x?["type"] == "Complete" && (string?)x?["status"] == "True");
        return new HookResult(name, service.Host, kind, complete ? 0 : exit == 0 ? 1 : exit, false, text.ToString(), sw.Elapsed);
    }
}
