using Deploy.Core.Errors;
using Deploy.Kubernetes.Apply;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;
using Deploy.Kubernetes.Tests.Fake;

namespace Deploy.Kubernetes.Tests.Readiness;

/// <summary>Apply then wait, end to end against the fake with its controller moving status.</summary>
[Trait("Category", "Integration")]
public sealed class ApplyAndWaitTests : IAsyncLifetime
{
    private readonly FakeCluster cluster = new();
    private FakeController controller = null!;

    public async Task InitializeAsync()
    {
        await cluster.InitializeAsync();
        controller = new FakeController(cluster.Server.Store);
    }

    public async Task DisposeAsync()
    {
        await controller.DisposeAsync();
        await cluster.DisposeAsync();
    }

    private static string Workloads(string deploymentAnnotations = "{}", string jobAnnotations = "{}", string podAnnotations = "{}") => """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default, annotations: DEPLOYMENT_ANNOTATIONS}
        spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "web:1"}]}}}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: default}
        spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}, selector: {matchLabels: {app: db}}, serviceName: db, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: "db:1"}]}}}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: default}
        spec: {selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: agent, image: "agent:1"}]}}}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate, namespace: default, annotations: JOB_ANNOTATIONS}
        spec: {template: {spec: {restartPolicy: Never, containers: [{name: migrate, image: "migrate:1"}]}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: probe, namespace: default, annotations: POD_ANNOTATIONS}
        spec: {containers: [{name: probe, image: "probe:1"}]}
        """.Replace("DEPLOYMENT_ANNOTATIONS", deploymentAnnotations, StringComparison.Ordinal)
        .Replace("JOB_ANNOTATIONS", jobAnnotations, StringComparison.Ordinal)
        .Replace("POD_ANNOTATIONS", podAnnotations, StringComparison.Ordinal);

    private async Task<IReadOnlyList<ReadinessStatus>> ApplyAndWaitAsync(string manifests)
    {
        var applied = await new ServerSideApplier(cluster.Connection).ApplyAsync(ManifestSet.Parse(manifests));
        return await new ReadinessWaiter(cluster.Connection).WaitAsync(applied.Inventory, new ReadinessOptions { Timeout = TimeSpan.FromSeconds(30) });
    }

    [Fact]
    public async Task Every_workload_kind_becomes_ready()
    {
        var result = await ApplyAndWaitAsync(Workloads());

        result.Select(s => (s.Object.Kind, s.State)).Should().Equal(
            ("DaemonSet", ReadinessState.Ready), ("Pod", ReadinessState.Ready), ("Deployment", ReadinessState.Ready),
            ("StatefulSet", ReadinessState.Ready), ("Job", ReadinessState.Ready));
    }

    [Theory]
    [InlineData("{fake.deploy/progress-deadline: 'true'}", "{}", "{}", "Deployment/default/web", "ProgressDeadlineExceeded")]
    [InlineData("{}", "{fake.deploy/fail: 'true'}", "{}", "Job/default/migrate", "BackoffLimitExceeded")]
    [InlineData("{}", "{}", "{fake.deploy/crash-loop: 'true'}", "Pod/default/probe", "CrashLoopBackOff")]
    public async Task A_failing_workload_stops_the_wait_with_NotReady_naming_it(string deployment, string job, string pod, string failed, string why)
    {
        var act = () => ApplyAndWaitAsync(Workloads(deployment, job, pod));

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.NotReady);
        e.Service.Should().Be(failed);
        e.Message.Should().Contain(why);
    }
}
