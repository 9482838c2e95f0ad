using Deploy.Kubernetes.Manifests;
using Deploy.Kubernetes.Readiness;

namespace Deploy.Kubernetes.Tests.Readiness;

public sealed class ReadinessRulesTests
{
    private static ReadinessStatus Evaluate(string yaml)
    {
        var o = ManifestSet.Parse(yaml).Single();
        return ReadinessRules.Evaluate(o.Ref, o.Body);
    }

    private static string Deployment(string status, int replicas = 3, int generation = 2) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, generation: {{generation}}}
        spec: {replicas: {{replicas}}}
        status: {{status}}
        """;

    [Theory]
    [InlineData("{observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3}", ReadinessState.Ready, "3/3")]
    [InlineData("{observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3}", ReadinessState.InProgress, "generation 2")]
    [InlineData("{observedGeneration: 2, replicas: 4, updatedReplicas: 2, availableReplicas: 3, readyReplicas: 3}", ReadinessState.InProgress, "2/3 replicas updated")]
    [InlineData("{observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3}", ReadinessState.InProgress, "1 old replicas")]
    [InlineData("{observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2, readyReplicas: 3}", ReadinessState.InProgress, "2/3 replicas available")]
    [InlineData("{observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 1}", ReadinessState.InProgress, "1/3 replicas ready")]
    [InlineData("{}", ReadinessState.InProgress, "no status")]
    [InlineData("{observedGeneration: 2, replicas: 3, updatedReplicas: 1, conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded, message: 'ReplicaSet \"web-1\" has timed out progressing.'}]}", ReadinessState.Failed, "ProgressDeadlineExceeded")]
    public void Deployment_rules(string status, ReadinessState state, string message)
    {
        var result = Evaluate(Deployment(status));

        result.State.Should().Be(state);
        result.Message.Should().Contain(message);
    }

    [Fact]
    public void A_deployment_without_replicas_wants_one()
    {
        Evaluate("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, generation: 1}\nspec: {}\nstatus: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1}")
            .State.Should().Be(ReadinessState.Ready);
    }

    private static string StatefulSet(string strategy, string status) => $$"""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, generation: 3}
        spec: {replicas: 3, updateStrategy: {{strategy}}}
        status: {{status}}
        """;

    [Theory]
    [InlineData("{type: RollingUpdate}", "{observedGeneration: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: db-2, updateRevision: db-2}", ReadinessState.Ready)]
    [InlineData("{type: RollingUpdate}", "{observedGeneration: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: db-1, updateRevision: db-2}", ReadinessState.InProgress)]
    [InlineData("{type: RollingUpdate}", "{observedGeneration: 3, readyReplicas: 3, updatedReplicas: 2, currentRevision: db-1, updateRevision: db-2}", ReadinessState.InProgress)]
    [InlineData("{type: RollingUpdate}", "{observedGeneration: 3, readyReplicas: 2, updatedReplicas: 3}", ReadinessState.InProgress)]
    [InlineData("{type: RollingUpdate, rollingUpdate: {partition: 2}}", "{observedGeneration: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: db-1, updateRevision: db-2}", ReadinessState.Ready)]
    [InlineData("{type: RollingUpdate, rollingUpdate: {partition: 2}}", "{observedGeneration: 3, readyReplicas: 3, updatedReplicas: 0, currentRevision: db-1, updateRevision: db-2}", ReadinessState.InProgress)]
    [InlineData("{type: RollingUpdate, rollingUpdate: {partition: 5}}", "{observedGeneration: 3, readyReplicas: 3, updatedReplicas: 0, currentRevision: db-1, updateRevision: db-2}", ReadinessState.Ready)]
    [InlineData("{type: OnDelete}", "{observedGeneration: 3, readyReplicas: 3, updatedReplicas: 0, currentRevision: db-1, updateRevision: db-2}", ReadinessState.Ready)]
    [InlineData("{type: OnDelete}", "{observedGeneration: 3, readyReplicas: 2}", ReadinessState.InProgress)]
    [InlineData("{type: OnDelete}", "{observedGeneration: 2, readyReplicas: 3}", ReadinessState.InProgress)]
    public void StatefulSet_rules_with_partition_and_OnDelete_finish(string strategy, string status, ReadinessState state)
    {
        Evaluate(StatefulSet(strategy, status)).State.Should().Be(state);
    }

    [Theory]
    [InlineData("{observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2}", ReadinessState.Ready)]
    [InlineData("{observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberReady: 2}", ReadinessState.InProgress)]
    [InlineData("{observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1, numberReady: 2}", ReadinessState.InProgress)]
    [InlineData("{observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 1}", ReadinessState.InProgress)]
    public void DaemonSet_rules(string status, ReadinessState state)
    {
        Evaluate($"apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, generation: 1}}\nspec: {{}}\nstatus: {status}").State.Should().Be(state);
    }

    [Theory]
    [InlineData("{succeeded: 1, conditions: [{type: Complete, status: 'True'}]}", ReadinessState.Ready)]
    [InlineData("{failed: 4, conditions: [{type: Failed, status: 'True', reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}]}", ReadinessState.Failed)]
    [InlineData("{active: 1}", ReadinessState.InProgress)]
    [InlineData("{}", ReadinessState.InProgress)]
    public void Job_rules(string status, ReadinessState state)
    {
        Evaluate($"apiVersion: batch/v1\nkind: Job\nmetadata: {{name: test}}\nstatus: {status}").State.Should().Be(state);
    }

    [Theory]
    [InlineData("Bound", ReadinessState.Ready)]
    [InlineData("Pending", ReadinessState.InProgress)]
    [InlineData("Lost", ReadinessState.Failed)]
    public void PersistentVolumeClaim_rules(string phase, ReadinessState state)
    {
        Evaluate($"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data}}\nstatus: {{phase: {phase}}}").State.Should().Be(state);
    }

    [Theory]
    [InlineData("{phase: Running, conditions: [{type: Ready, status: 'True'}]}", ReadinessState.Ready)]
    [InlineData("{phase: Running, conditions: [{type: Ready, status: 'False'}]}", ReadinessState.InProgress)]
    [InlineData("{phase: Running, containerStatuses: [{name: app, ready: false, restartCount: 5, image: a, imageID: '', state: {waiting: {reason: CrashLoopBackOff}}}]}", ReadinessState.Failed)]
    [InlineData("{phase: Pending, containerStatuses: [{name: app, ready: false, restartCount: 0, image: a, imageID: '', state: {waiting: {reason: ImagePullBackOff}}}]}", ReadinessState.Failed)]
    [InlineData("{phase: Pending, containerStatuses: [{name: app, ready: false, restartCount: 0, image: a, imageID: '', state: {waiting: {reason: ContainerCreating}}}]}", ReadinessState.InProgress)]
    [InlineData("{phase: Succeeded}", ReadinessState.Ready)]
    [InlineData("{phase: Failed, reason: Evicted}", ReadinessState.Failed)]
    public void Pod_rules_crash_loop_fails(string status, ReadinessState state)
    {
        Evaluate($"apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nstatus: {status}").State.Should().Be(state);
    }

    [Fact]
    public void A_crash_looping_pod_names_the_container_and_restarts()
    {
        Evaluate("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {phase: Running, containerStatuses: [{name: app, ready: false, restartCount: 7, image: a, imageID: '', state: {waiting: {reason: CrashLoopBackOff}}}]}")
            .Message.Should().Be("container app: CrashLoopBackOff (restarts 7)");
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}", ReadinessState.Ready)]
    [InlineData("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nstatus: {conditions: [{type: Ready, status: 'False'}]}", ReadinessState.InProgress)]
    [InlineData("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nstatus: {conditions: [{type: Ready, status: 'True'}]}", ReadinessState.Ready)]
    [InlineData("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: w}\nstatus: {conditions: [{type: Established, status: 'True'}]}", ReadinessState.Ready)]
    [InlineData("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: w}", ReadinessState.InProgress)]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, deletionTimestamp: '2026-01-01T00:00:00Z'}", ReadinessState.InProgress)]
    public void Other_kinds_are_ready_once_they_exist_unless_a_condition_says_otherwise(string yaml, ReadinessState state)
    {
        Evaluate(yaml).State.Should().Be(state);
    }
}
