using System.CommandLine;
using Deploy.Cli.Output;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Engine;
using Deploy.Core.Lifecycle.Scheduling;
using Deploy.Kubernetes.Lifecycle;

namespace Deploy.Cli;

/// <summary>
/// laipvt's targeted actions: `schedule apply -c scheduled.yaml` (move services between hosts: install on the new
/// host, test there, remove from the old one), `middleware --action install|delete|upgrade|reset --middleware NAME`
/// and `component --action configmap|restart --services a,b` (re-render configs with the three-way merge, then
/// restart; or restart only). Each takes `-i -f` and `--dry-run`.
/// </summary>
internal static class LifecycleActionCommands
{
    public static IEnumerable<Command> Create() => [Schedule(), Middleware(), Component()];

    private static Command Schedule()
    {
        var options = new LifecycleOptions();
        var config = new Option<string>("--config", "-c") { Description = "The new scheduled.yaml (which services on which hosts; on a cluster, which nodes)", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the moves; change nothing" };
        var apply = new Command("apply", "Move services to the hosts scheduled.yaml names: install on the new host, run its test there, then remove it from the old one") { config, dryRun };
        options.AddTo(apply);
        apply.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            if (session.Backend is KubernetesBackend cluster)
            {
                return await KubernetesSession.ScheduleAsync(cluster, session.Input.Product, parse.GetValue(config)!, parse.GetValue(dryRun), ct).ConfigureAwait(false);
            }

            var schedule = await ScheduleYaml.LoadAsync(parse.GetValue(config)!, session.Input.Product, session.Inventory, ct).ConfigureAwait(false);
            return await RunAsync(session, session.Input with { Schedule = schedule }, new LifecycleRequest(LifecycleOperation.Schedule), parse.GetValue(dryRun), ct).ConfigureAwait(false);
        }));
        return new Command("schedule", "Change where services run") { apply };
    }

    private static Command Middleware()
    {
        var options = new LifecycleOptions();
        var action = new Option<string>("--action") { Description = "install, delete, upgrade or reset", Required = true };
        action.AcceptOnlyFromAmong("install", "delete", "upgrade", "reset");
        var name = new Option<string>("--middleware") { Description = "The middleware service (e.g. mysql, redis)", Required = true };
        var confirm = new Option<string?>("--confirm") { Description = "reset: the product's name (reset wipes the middleware's data)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the plan (reset: what would be wiped); change nothing" };
        var command = new Command("middleware", "Install, delete, upgrade or reset one middleware service") { action, name, confirm, dryRun };
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            var middleware = parse.GetValue(name)!;
            if (parse.GetValue(action) == "reset")
            {
                var plan = await ProgressViews.LifecycleAsync($"reset {middleware}", p => session.Engine.ResetAsync(session.Input, parse.GetValue(confirm), parse.GetValue(dryRun), [middleware], p, ct)).ConfigureAwait(false);
                CliOutput.Current.Result(plan, plan.ToText());
                return 0;
            }

            var operation = Enum.Parse<LifecycleOperation>(parse.GetValue(action)!, ignoreCase: true);
            return await RunAsync(session, session.Input, LifecycleRequest.ForMiddleware(session.Input.Product, operation, middleware), parse.GetValue(dryRun), ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Component()
    {
        var options = new LifecycleOptions();
        var action = new Option<string>("--action") { Description = "configmap (re-render configs with the three-way merge, then restart) or restart", Required = true };
        action.AcceptOnlyFromAmong("configmap", "restart");
        var services = new Option<string>("--services") { Description = "The services (comma-separated)", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the plan; change nothing" };
        var command = new Command("component", "Re-render a service's config (configmap) or restart it") { action, services, dryRun };
        options.AddTo(command);
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            await using var session = await LifecycleSession.OpenAsync(parse, options, ct).ConfigureAwait(false);
            var operation = parse.GetValue(action) == "configmap" ? LifecycleOperation.Configure : LifecycleOperation.Restart;
            var request = new LifecycleRequest(operation) { Services = LifecycleCommands.List(parse.GetValue(services)) };
            if (request.Services.Count == 0)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, "--services names no service.") { Path = "services" };
            }

            return await RunAsync(session, session.Input, request, parse.GetValue(dryRun), ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static async Task<int> RunAsync(LifecycleSession session, LifecycleInput input, LifecycleRequest request, bool dryRun, CancellationToken ct)
    {
        if (dryRun)
        {
            var plan = await session.Engine.PlanAsync(input, request, ct).ConfigureAwait(false);
            CliOutput.Current.ResultJson(plan.ToJson(), plan.ToText());
            return 0;
        }

        var result = await ProgressViews.LifecycleAsync($"{request.Operation.ToString().ToLowerInvariant()} {input.Product.Name}", p => session.Engine.RunAsync(input, request, p, ct)).ConfigureAwait(false);
        CliOutput.Current.ResultJson(result.Release.ToJson(), $"release {result.Release.Number}: {result.Release.Operation.ToString().ToLowerInvariant()} {result.Release.Version} {result.Release.Outcome.ToString().ToLowerInvariant()}; touched: {(result.Release.Touched.Count == 0 ? "nothing" : string.Join(", ", result.Release.Touched))}");
        return result.Tests is { Passed: false } ? 1 : 0;
    }
}
