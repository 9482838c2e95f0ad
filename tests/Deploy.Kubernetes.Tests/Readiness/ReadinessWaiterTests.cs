using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using Deploy.Kubernetes.Apply;
using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;
using Deploy.Kubernetes.Tests.Fake;
using Microsoft.Extensions.Time.Testing;

namespace Deploy.Kubernetes.Tests.Readiness;

/// <summary>The waiter against the fake; the test plays the controller, writing status once the waiter is watching.</summary>
[Trait("Category", "Integration")]
public sealed class ReadinessWaiterTests : IAsyncLifetime
{
    private const string Web = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "web:1"}]}}}
        """;

    private static readonly JsonObject ReadyStatus = new()
    {
        ["observedGeneration"] = 1, ["replicas"] = 2, ["updatedReplicas"] = 2, ["availableReplicas"] = 2, ["readyReplicas"] = 2,
    };

    private readonly FakeCluster cluster = new();
    private ObjectRef web = null!;

    public async Task InitializeAsync()
    {
        await cluster.InitializeAsync();
        web = (await new ServerSideApplier(cluster.Connection).ApplyAsync(ManifestSet.Parse(Web))).Inventory.Single();
    }

    public Task DisposeAsync() => cluster.DisposeAsync();

    private void SetStatus(JsonObject status) =>
        cluster.Server.Store.Write(FakeResource.Defaults.Single(r => r.Kind == "Deployment"), "default", "web", false, c =>
        {
            c!["status"] = status.DeepClone();
            return (c, null);
        });

    private int Requests(string contains) => cluster.Server.Handler.Requests.Count(r => r.Contains("/deployments", StringComparison.Ordinal) && r.Contains(contains, StringComparison.Ordinal));

    /// <summary>Runs <paramref name="act"/> synchronously on the first progress event: the waiter has listed and not
    /// yet watched, so what <paramref name="act"/> changes can reach it only through the watch.</summary>
    private sealed class OnFirst(Action act) : IProgress<ReadinessStatus>
    {
        public List<ReadinessStatus> Seen { get; } = [];

        public void Report(ReadinessStatus value)
        {
            lock (Seen)
            {
                Seen.Add(value);
                if (Seen.Count == 1)
                {
                    act();
                }
            }
        }
    }

    [Fact]
    public async Task Waits_on_a_watch_until_the_deployment_is_ready_reporting_each_status()
    {
        var progress = new OnFirst(() => SetStatus(ReadyStatus));

        var result = await new ReadinessWaiter(cluster.Connection).WaitAsync([web], new ReadinessOptions { Timeout = TimeSpan.FromSeconds(30) }, progress);

        result.Should().ContainSingle().Which.State.Should().Be(ReadinessState.Ready);
        progress.Seen.Select(s => s.State).Should().Equal(ReadinessState.InProgress, ReadinessState.Ready);
        progress.Seen[0].Message.Should().Be("no status from the controller yet");
    }

    [Fact]
    public async Task A_watch_dropped_mid_wait_resumes_from_the_last_resourceVersion()
    {
        Task? controller = null;
        var progress = new OnFirst(() => controller = Task.Run(async () =>
        {
            while (cluster.Server.Store.Watchers == 0)
            {
                await Task.Delay(10);
            }

            SetStatus(new JsonObject { ["observedGeneration"] = 1, ["replicas"] = 2, ["updatedReplicas"] = 1 });
            cluster.Server.Store.DropWatches();
            SetStatus(ReadyStatus);
        }));

        var result = await new ReadinessWaiter(cluster.Connection).WaitAsync([web], new ReadinessOptions { Timeout = TimeSpan.FromSeconds(30) }, progress);

        await controller!;
        result.Single().State.Should().Be(ReadinessState.Ready);
        Requests("?watch=true").Should().BeGreaterThanOrEqualTo(2);
        cluster.Server.Handler.Requests.Count(r => r.StartsWith("GET /apis/apps/v1/namespaces/default/deployments", StringComparison.Ordinal) && !r.Contains("watch", StringComparison.Ordinal))
            .Should().Be(1, "a dropped watch resumes; it does not relist");
    }

    [Fact]
    public async Task A_410_Gone_on_resume_relists()
    {
        var progress = new OnFirst(() =>
        {
            SetStatus(new JsonObject { ["observedGeneration"] = 1, ["replicas"] = 2, ["updatedReplicas"] = 1 });
            cluster.Server.Store.Compact();   // the list's resourceVersion is now too old to watch from
            SetStatus(ReadyStatus);
        });

        var result = await new ReadinessWaiter(cluster.Connection).WaitAsync([web], new ReadinessOptions { Timeout = TimeSpan.FromSeconds(30) }, progress);

        result.Single().State.Should().Be(ReadinessState.Ready);
        cluster.Server.Handler.Requests.Count(r => r.StartsWith("GET /apis/apps/v1/namespaces/default/deployments", StringComparison.Ordinal) && !r.Contains("watch", StringComparison.Ordinal))
            .Should().Be(2, "the watch got 410 Gone and the waiter listed again");
    }

    [Fact]
    public async Task A_deployment_past_its_progress_deadline_fails_with_NotReady_naming_it()
    {
        var progress = new OnFirst(() => SetStatus(new JsonObject
        {
            ["observedGeneration"] = 1, ["replicas"] = 2, ["updatedReplicas"] = 2,
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Progressing", ["status"] = "False", ["reason"] = "ProgressDeadlineExceeded", ["message"] = "ReplicaSet \"web-1\" has timed out progressing.",
            }),
        }));

        var act = () => new ReadinessWaiter(cluster.Connection).WaitAsync([web], new ReadinessOptions { Timeout = TimeSpan.FromSeconds(30) }, progress);

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.NotReady);
        e.Service.Should().Be("Deployment/default/web");
        e.Message.Should().Contain("ProgressDeadlineExceeded");
    }

    [Fact]
    public async Task The_wait_is_bounded_by_the_timeout_and_lists_what_was_not_ready()
    {
        var time = new FakeTimeProvider();
        var progress = new OnFirst(() => time.Advance(TimeSpan.FromMinutes(2)));

        var act = () => new ReadinessWaiter(cluster.Connection).WaitAsync([web], new ReadinessOptions { Timeout = TimeSpan.FromMinutes(1), TimeProvider = time }, progress);

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.Timeout);
        e.Message.Should().Contain("Deployment/default/web (no status from the controller yet)");
    }
}
