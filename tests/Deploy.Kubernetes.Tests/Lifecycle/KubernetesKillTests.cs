using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Kubernetes.Lifecycle;
using Deploy.Kubernetes.Tests.Fake;
using Deploy.Testing.Kill;
using k8s;
using Xunit.Abstractions;

namespace Deploy.Kubernetes.Tests.Lifecycle;

/// <summary>An upgrade on the cluster whose `deploy` process is SIGKILLed for real (its whole process group, between
/// the db wave and the api wave), then finished by `deploy resume`.</summary>
[Trait("Category", "Integration")]
public sealed class KubernetesKillTests(ITestOutputHelper output) : ClusterTest(("node-1", "4", "8Gi"))
{
    [Fact]
    public async Task An_upgrade_killed_between_waves_keeps_its_Lease_and_journal_and_resume_completes_it_and_releases_both()
    {
        var backend = new KubernetesBackend("shop", Cluster.Connection);
        var engine = new LifecycleEngine(backend);
        var v1 = await new ClusterProduct("1.0.0").WriteAsync(Cluster.Temp.Path);
        await new ClusterProduct("2.0.0") { ApiImage = "registry.local/api:2.0", DbImage = "registry.local/mariadb:11.4" }.WriteAsync(Cluster.Temp.Path);
        var v2 = Path.Combine(Cluster.Temp.Path, "2.0.0");
        await engine.RunAsync(ClusterProduct.Input(backend, v1), new LifecycleRequest(LifecycleOperation.Install));

        var command = ChildCommand.Dotnet(ClusterTools.DeployDll, "upgrade", "-f", v2, "--kubeconfig", Cluster.KubeconfigPath).WithEnvironment("HOME", Cluster.Temp.Path);
        var killed = await KillHarness.KillAtBoundaryAsync(command, 1);
        output.WriteLine($"killed at {killed.Boundary} ({killed.Step}):\n{killed.StandardOutput}{killed.StandardError}");

        KillHarness.IsGroupAlive(killed.ProcessGroupId).Should().BeFalse();
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", "default")).Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/mariadb:11.4", "the db wave ran");
        (await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("api", "default")).Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/api:1.0", "the api wave did not");
        var lease = await backend.Lock.ReadAsync();
        lease.Should().NotBeNull("the killed process could not release its Lease");
        lease!.Holder.ProcessId.Should().Be(killed.ProcessGroupId);
        var journal = await backend.Journal.ReadAsync<LifecycleJournal>(LifecycleEngine.JournalKind);
        journal.Should().NotBeNull();
        journal!.Payload.Plan.Operation.Should().Be(LifecycleOperation.Upgrade);
        journal.Payload.Done.Should().NotBeEmpty();

        var resume = await ClusterTools.DeployAsync(Cluster, "resume", "-f", v2, "--kubeconfig", Cluster.KubeconfigPath);
        output.WriteLine(resume.Output);

        resume.ExitCode.Should().Be(0, resume.Output);
        resume.Stdout.Should().Contain("resuming upgrade 2.0.0").And.Contain("upgrade 2.0.0 succeeded");
        var api = await Cluster.Connection.Client.AppsV1.ReadNamespacedDeploymentAsync("api", "default");
        api.Spec.Template.Spec.Containers[0].Image.Should().Be("registry.local/api:2.0");
        api.Status.ReadyReplicas.Should().Be(2);
        (await backend.Lock.ReadAsync()).Should().BeNull("resume took the dead holder's Lease over and released it");
        (await backend.Journal.ReadAsync<LifecycleJournal>(LifecycleEngine.JournalKind)).Should().BeNull("the finished run removed the journal");
        (await engine.HistoryAsync()).Releases.Select(r => (r.Operation, r.Version, r.Outcome)).Should().Equal(
            (LifecycleOperation.Install, "1.0.0", ReleaseOutcome.Succeeded), (LifecycleOperation.Upgrade, "2.0.0", ReleaseOutcome.Succeeded));
    }
}
