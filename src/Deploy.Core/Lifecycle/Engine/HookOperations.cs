using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Deploy.Core.Lifecycle.Releases;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Engine;

/// <summary>The operations that run services' hooks outside a run's waves: <c>apptest</c> (test hooks, JUnit XML) and
/// <c>reset</c> (reset hooks under the product's lock, middleware first).</summary>
/// <param name="backend">Where the services run.</param>
/// <param name="preparation">Renders services for their hosts.</param>
internal sealed class HookOperations(ILifecycleBackend backend, RunPreparation preparation)
{
    /// <summary>See <see cref="LifecycleEngine.AppTestAsync"/>.</summary>
    public async Task<AppTestReport> AppTestAsync(LifecycleInput input, IReadOnlyList<string>? services, string? outputDirectory, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var names = services is { Count: > 0 } ? services : input.Product.Services.Where(s => s.Hooks.ContainsKey(HookKind.Test)).Select(s => s.Name).ToList();
        var selected = names.Select(input.Product.GetService).ToList();
        var current = ReleaseHistory.Merge(await backend.ReadReleasesAsync(cancellationToken).ConfigureAwait(false)).Current;
        var units = selected.Where(s => s.Hooks.ContainsKey(HookKind.Test)).SelectMany(s =>
            (current?.Services.FirstOrDefault(r => r.Name == s.Name)?.Hosts ?? input.Schedule.HostsOf(s.Name)).Select(h => (Service: s, Host: h))).ToList();
        var results = await Task.WhenAll(units.Select(async u =>
        {
            var rendered = await preparation.RenderAsync(input, u.Service, u.Host, cancellationToken).ConfigureAwait(false);
            var r = await backend.RunHookAsync(rendered, HookKind.Test, l => progress?.Report(new LifecycleProgress(LifecycleEventKind.Output, $"[{u.Service.Name}@{u.Host}] {l}") { Service = u.Service.Name, Host = u.Host }), cancellationToken).ConfigureAwait(false);
            progress?.Report(new LifecycleProgress(r.Succeeded ? LifecycleEventKind.TestPassed : LifecycleEventKind.TestFailed, $"[{u.Service.Name}@{u.Host}] {(r.Succeeded ? "passed" : "failed")}") { Service = u.Service.Name, Host = u.Host });
            return r;
        })).ConfigureAwait(false);
        var report = new AppTestReport(input.Product.Name, results);
        if (outputDirectory is not null)
        {
            await report.WriteAsync(outputDirectory, cancellationToken).ConfigureAwait(false);
        }

        return report;
    }

    /// <summary>See <see cref="LifecycleEngine.ResetAsync"/>.</summary>
    public async Task<ResetPlan> ResetAsync(LifecycleInput input, string? confirm, bool dryRun, IReadOnlyList<string>? services, IProgress<LifecycleProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!dryRun && !string.Equals(confirm, input.Product.Name, StringComparison.Ordinal))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"reset wipes all middleware and database data of '{input.Product.Name}'; confirm with --confirm {input.Product.Name} (got {(confirm is null ? "none" : $"'{confirm}'")}), or look first with --dry-run.") { Path = "confirm" };
        }

        var current = ReleaseHistory.Merge(await backend.ReadReleasesAsync(cancellationToken).ConfigureAwait(false)).Current;
        var names = services is { Count: > 0 } ? services : current?.Services.Select(s => s.Name).ToList() ?? [];
        var order = names.Count == 0 ? [] : ServiceOrder.Select(input.Product, names).Services;
        var units = order.Where(s => s.Hooks.ContainsKey(HookKind.Reset))
            .OrderBy(s => s.Kind == ProductServiceKind.Middleware ? 0 : 1)
            .SelectMany(s => (current?.Services.FirstOrDefault(r => r.Name == s.Name)?.Hosts ?? []).Select(h => (Service: s, Host: h)))
            .ToList();
        var rendered = new List<RenderedService>();
        foreach (var u in units)
        {
            rendered.Add(await preparation.RenderAsync(input, u.Service, u.Host, cancellationToken).ConfigureAwait(false));
        }

        var plan = new ResetPlan(input.Product.Name, rendered.Select(r => new ResetStep(r.Service.Name, r.Host, new RenderedText("", r.Secrets).Redact(r.Hooks[HookKind.Reset].Command))).ToList());
        if (dryRun)
        {
            return plan;
        }

        await using var locks = await backend.LockAsync("reset", progress, cancellationToken).ConfigureAwait(false);
        var results = new List<HookResult>();
        foreach (var r in rendered)
        {
            var result = await backend.RunHookAsync(r, HookKind.Reset, l => progress?.Report(new LifecycleProgress(LifecycleEventKind.Output, $"[{r.Service.Name}@{r.Host}] {l}") { Service = r.Service.Name, Host = r.Host }), cancellationToken).ConfigureAwait(false);
            results.Add(result);
            if (!result.Succeeded)
            {
                throw new DeployException(DeployErrorCode.ServiceFailed, $"The reset hook of {r.Service.Name} on {r.Host} {(result.TimedOut ? "ran past its timeout and was killed" : $"exited with {result.ExitCode}")}:\n{result.Output}") { Service = r.Service.Name, Host = r.Host };
            }
        }

        return plan with { Results = results };
    }
}
