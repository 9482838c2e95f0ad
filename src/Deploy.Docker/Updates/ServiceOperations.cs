using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Docker.Engine;
using Deploy.Docker.Files;

namespace Deploy.Docker.Updates;

/// <summary>Restarting the affected services (compose or the deployment's script) and verifying what runs.</summary>
internal static class ServiceOperations
{
    public static async Task RestartAsync(UpdateContext context, CancellationToken cancellationToken)
    {
        var journal = context.Record;
        if (journal.RestartScript is { } script)
        {
            // The script's path is a target path (a rooted host maps it, like the working directory).
            var path = script.StartsWith('/') ? script : PosixPath.Combine(journal.Directory, script);
            var command = new CommandSpec([path, .. journal.RestartArguments]) { WorkingDirectory = journal.Directory }.WithPathArguments(0);
            await context.Host.RunAsync(command, cancellationToken).ThrowOnFailure().ConfigureAwait(false);
            return;
        }

        foreach (var group in journal.Services.GroupBy(s => (s.ProjectDirectory, s.ProjectName, Files: string.Join('\n', s.ConfigFiles))))
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            var configPath = PosixPath.Combine(group.Key.ProjectDirectory, ".systemconfig");
            if (await context.Host.ExistsAsync(configPath, cancellationToken).ConfigureAwait(false))
            {
                var config = SystemConfig.Parse(await context.Host.ReadAllBytesAsync(configPath, cancellationToken).ConfigureAwait(false), configPath);
                foreach (var (k, v) in config.ToDictionary())
                {
                    env[k] = v;
                }
            }

            var invocation = new ComposeInvocation(group.Key.ProjectDirectory, group.First().ConfigFiles) { ProjectName = group.Key.ProjectName, Environment = env };
            await context.Engine.ComposeUpAsync(invocation, group.Select(s => s.Service).Distinct().ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every service's containers run the expected image (new, or old when <paramref name="previous"/>)
    /// and stay up, unchanged and healthy, for the settle time.</summary>
    public static async Task<List<VerifiedContainer>> VerifyAsync(UpdateContext context, bool previous, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var deadline = context.Time.GetUtcNow() + options.VerifyTimeout;
        var verified = new List<VerifiedContainer>();
        var snapshots = new Dictionary<string, ContainerState>(StringComparer.Ordinal);
        foreach (var service in context.Record.Services.DistinctBy(s => (s.ProjectName, s.Service)))
        {
            var expected = previous ? service.OldImageId : service.NewImageId;
            if (expected is null)
            {
                continue;
            }

            while (true)
            {
                var containers = await ServiceContainersAsync(context, service, cancellationToken).ConfigureAwait(false);
                var problem = Problem(service, containers, expected);
                if (problem is null)
                {
                    foreach (var c in containers)
                    {
                        snapshots[c.Id] = c;
                        verified.Add(new VerifiedContainer(service.Service, c.Name));
                    }

                    break;
                }

                var failedHard = containers.Any(c => c.ImageId == expected && (c.Status is "exited" or "dead" || c.Health == "unhealthy"));
                if (failedHard || context.Time.GetUtcNow() >= deadline)
                {
                    throw new DeployException(DeployErrorCode.VerificationFailed, $"Service {service.Service} in {service.ProjectDirectory} on {context.Host.Name}: {problem}") { Host = context.Host.Name, Path = service.ProjectDirectory };
                }

                await Task.Delay(options.PollInterval, context.Time, cancellationToken).ConfigureAwait(false);
            }
        }

        if (snapshots.Count > 0 && options.SettleTime > TimeSpan.Zero)
        {
            await Task.Delay(options.SettleTime, context.Time, cancellationToken).ConfigureAwait(false);
            var after = await context.Engine.InspectContainersAsync(snapshots.Keys.ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var (id, before) in snapshots)
            {
                var now = after.FirstOrDefault(c => c.Id == id);
                if (now is null || !now.Running || now.RestartCount != before.RestartCount || now.StartedAt != before.StartedAt || now.Health == "unhealthy")
                {
                    var what = now is null ? "was removed" : !now.Running ? $"stopped (exit code {now.ExitCode})" : now.Health == "unhealthy" ? "became unhealthy" : "restarted";
                    throw new DeployException(DeployErrorCode.VerificationFailed, $"Container {before.Name} ({before.ComposeService}) {what} within {options.SettleTime.TotalSeconds:0.#} s on {context.Host.Name}.") { Host = context.Host.Name };
                }
            }
        }

        return verified;
    }

    private static string? Problem(JournalService service, IReadOnlyList<ContainerState> containers, string expected)
    {
        if (containers.Count == 0)
        {
            return "no container found";
        }

        foreach (var c in containers)
        {
            if (c.ImageId != expected)
            {
                return $"container {c.Name} runs image {Short(c.ImageId)}, expected {Short(expected)}";
            }

            if (!c.Running)
            {
                return $"container {c.Name} is {c.Status} (exit code {c.ExitCode})";
            }

            if (c.Health is not null && c.Health != "healthy")
            {
                return $"container {c.Name} is {c.Health}";
            }
        }

        return null;
    }

    public static Task<IReadOnlyList<ContainerState>> ServiceContainersAsync(UpdateContext context, JournalService service, CancellationToken cancellationToken)
        => context.Engine.ListContainersAsync(
            new Dictionary<string, string>
            {
                ["com.docker.compose.project"] = service.ProjectName,
                ["com.docker.compose.service"] = service.Service,
            },
            cancellationToken);

    private static string Short(string id) => id.Length > 19 ? id[..19] : id;
}
