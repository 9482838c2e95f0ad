using System.Globalization;
using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Planning;

/// <summary>A file a <see cref="StepKind.TransferFiles"/> step sends.</summary>
/// <param name="LocalPath">The local source.</param>
/// <param name="TargetPath">The absolute destination.</param>
/// <param name="Size">Size when planned.</param>
/// <param name="ModifiedUtcTicks">The mtime set at the destination (the source's, full precision).</param>
/// <param name="Mode">Permission bits at the destination.</param>
/// <param name="Reason">Why it is sent, e.g. <c>changed (size 120 -> 133)</c>.</param>
public sealed record PlannedFile(string LocalPath, string TargetPath, long Size, long ModifiedUtcTicks, UnixFileMode Mode, string Reason);

/// <summary>
/// One step of a <see cref="Plan"/>. Service steps carry the full service definition, so a journaled plan can be
/// resumed without the state it was planned from.
/// </summary>
/// <param name="Index">Position in the plan (0-based).</param>
/// <param name="Kind">What the step does.</param>
/// <param name="Reason">Why, e.g. <c>Types restarts: /home/user/types/types.py changed (size 120 -> 133), ChangeEvent=Restart</c>.</param>
public sealed record PlanStep(int Index, StepKind Kind, string Reason)
{
    /// <summary>The component, for service steps.</summary>
    public string? Component { get; init; }

    /// <summary>The service, for service steps.</summary>
    public Service? Service { get; init; }

    /// <summary>The service's position among the component's services of its kind.</summary>
    public int ServiceIndex { get; init; }

    /// <summary>What a failure of this service does.</summary>
    public ErrorHandling ErrorHandling { get; init; }

    /// <summary>Files to send, for <see cref="StepKind.TransferFiles"/>.</summary>
    public IReadOnlyList<PlannedFile>? Files { get; init; }

    /// <summary>Paths to delete, for <see cref="StepKind.DeleteFiles"/>.</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>The wait, for <see cref="StepKind.WaitStartupTimeout"/>, in milliseconds.</summary>
    public long DelayMs { get; init; }

    /// <summary>The service reference, for service steps.</summary>
    public ServiceRef? ServiceRef => Component is null || Service is null ? null : new ServiceRef(Component, Service, ServiceIndex);

    /// <summary>A one-line description, e.g. <c>stop Types runtime#0</c>.</summary>
    public string Describe() => Kind switch
    {
        StepKind.StopService => $"stop {ServiceRef}",
        StepKind.StartService => $"start {ServiceRef}",
        StepKind.RunService => $"run {ServiceRef}",
        StepKind.CreateService => $"create {ServiceRef}",
        StepKind.DeleteService => $"delete {ServiceRef}",
        StepKind.TransferFiles => string.Create(CultureInfo.InvariantCulture, $"transfer {Files?.Count ?? 0} files ({Files?.Sum(f => f.Size) ?? 0} bytes)"),
        StepKind.DeleteFiles => string.Create(CultureInfo.InvariantCulture, $"delete {Paths?.Count ?? 0} files"),
        StepKind.WaitStartupTimeout => string.Create(CultureInfo.InvariantCulture, $"wait {DelayMs} ms (StartupTimeout)"),
        StepKind.CommitState => "record state",
        _ => Kind.ToString(),
    };
}

/// <summary>Names one service of one component: <c>Types runtime#0</c>.</summary>
/// <param name="Component">The component.</param>
/// <param name="Service">The definition.</param>
/// <param name="Index">Its position among the component's services of its kind.</param>
public sealed record ServiceRef(string Component, Service Service, int Index)
{
    /// <summary>A file-name-safe identifier, e.g. <c>runtime-0</c>.</summary>
    public string Id => string.Create(CultureInfo.InvariantCulture, $"{Service.Kind.ToString().ToLowerInvariant()}-{Index}");

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Component} {Service.Kind.ToString().ToLowerInvariant()}#{Index}");
}
