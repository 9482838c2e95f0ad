namespace Deploy.Core.Sequence.Model;

/// <summary>An exOS-style component: files and services deployed and restarted together.</summary>
/// <param name="Name">A unique name within the target.</param>
public sealed record Component(string Name)
{
    /// <summary>The files the component deploys.</summary>
    public IReadOnlyList<ComponentFile> Files { get; init; } = [];

    /// <summary>The services, in the order they run within each kind.</summary>
    public IReadOnlyList<Service> Services { get; init; } = [];

    /// <summary>How the component takes part in restarts; <value>the default is <see cref="RestartEvent.Component"/></value>.</summary>
    public RestartEvent RestartEvent { get; init; } = RestartEvent.Component;

    /// <summary>
    /// For a <see cref="RestartEvent.Target"/> component: how long after its runtime services start the other
    /// components' runtime services start; <value>the default is zero</value>.
    /// </summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>What a failing service does; <value>the default is <see cref="ErrorHandling.Stop"/></value>.</summary>
    public ErrorHandling ErrorHandling { get; init; } = ErrorHandling.Stop;

    /// <summary>Components this one needs: they start before it and stop after it.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>The services of one kind, in order.</summary>
    public IReadOnlyList<Service> ServicesOf(ServiceKind kind) => Services.Where(s => s.Kind == kind).ToList();
}
