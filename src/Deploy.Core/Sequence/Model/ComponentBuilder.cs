namespace Deploy.Core.Sequence.Model;

/// <summary>Fluent construction of a <see cref="Component"/>.</summary>
public sealed class ComponentBuilder
{
    private readonly List<ComponentFile> _files = [];
    private readonly List<Service> _services = [];
    private readonly List<string> _dependsOn = [];
    private Component _component;

    /// <summary>Starts a component named <paramref name="name"/>.</summary>
    public ComponentBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _component = new Component(name);
    }

    /// <summary>Adds a file (or a directory tree) deployed to <paramref name="targetPath"/>.</summary>
    public ComponentBuilder AddFile(string source, string targetPath, ChangeEvent changeEvent = ChangeEvent.Restart, UnixFileMode? mode = null)
    {
        _files.Add(new ComponentFile(source, targetPath) { ChangeEvent = changeEvent, Mode = mode });
        return this;
    }

    /// <summary>Adds a service.</summary>
    public ComponentBuilder AddService(ServiceKind kind, string command, string? workingDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        _services.Add(new Service(kind, command) { WorkingDirectory = workingDirectory });
        return this;
    }

    /// <summary>Adds an install service.</summary>
    public ComponentBuilder Install(string command, string? workingDirectory = null) => AddService(ServiceKind.Install, command, workingDirectory);

    /// <summary>Adds a startup service.</summary>
    public ComponentBuilder Startup(string command, string? workingDirectory = null) => AddService(ServiceKind.Startup, command, workingDirectory);

    /// <summary>Adds a runtime service.</summary>
    public ComponentBuilder Runtime(string command, string? workingDirectory = null) => AddService(ServiceKind.Runtime, command, workingDirectory);

    /// <summary>Adds a remove service.</summary>
    public ComponentBuilder Remove(string command, string? workingDirectory = null) => AddService(ServiceKind.Remove, command, workingDirectory);

    /// <summary>Sets the restart event.</summary>
    public ComponentBuilder WithRestartEvent(RestartEvent restartEvent)
    {
        _component = _component with { RestartEvent = restartEvent };
        return this;
    }

    /// <summary>Sets the startup timeout.</summary>
    public ComponentBuilder WithStartupTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        _component = _component with { StartupTimeout = timeout };
        return this;
    }

    /// <summary>Sets the error handling.</summary>
    public ComponentBuilder WithErrorHandling(ErrorHandling errorHandling)
    {
        _component = _component with { ErrorHandling = errorHandling };
        return this;
    }

    /// <summary>Declares that this component needs <paramref name="components"/>.</summary>
    public ComponentBuilder DependsOn(params string[] components)
    {
        _dependsOn.AddRange(components);
        return this;
    }

    /// <summary>Builds the component.</summary>
    public Component Build() => _component with { Files = _files.ToList(), Services = _services.ToList(), DependsOn = _dependsOn.ToList() };
}
