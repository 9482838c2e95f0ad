using Deploy.Core.Sync;

namespace Deploy.Core.Sequence.Model;

/// <summary>Fluent construction of a <see cref="TargetDefinition"/>:
/// <c>TargetBuilder.Create("plc1").WithConfiguration("logLevel", "info").AddComponent("Types", c => c.AddFile(...).Startup(...)).Build()</c>.</summary>
public sealed class TargetBuilder
{
    private readonly Dictionary<string, string> _configuration = new(StringComparer.Ordinal);
    private readonly List<ComponentFile> _files = [];
    private readonly List<Component> _components = [];
    private TargetDefinition _target;

    private TargetBuilder(string name) => _target = new TargetDefinition(name);

    /// <summary>Starts a target named <paramref name="name"/>.</summary>
    public static TargetBuilder Create(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new TargetBuilder(name);
    }

    /// <summary>Sets one configuration value.</summary>
    public TargetBuilder WithConfiguration(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _configuration[key] = value;
        return this;
    }

    /// <summary>Adds a target-level file: a change restarts every component.</summary>
    public TargetBuilder AddFile(string source, string targetPath, UnixFileMode? mode = null)
    {
        _files.Add(new ComponentFile(source, targetPath) { Mode = mode, ChangeEvent = ChangeEvent.Restart });
        return this;
    }

    /// <summary>Adds a component built by <paramref name="configure"/>.</summary>
    public TargetBuilder AddComponent(string name, Action<ComponentBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var b = new ComponentBuilder(name);
        configure(b);
        _components.Add(b.Build());
        return this;
    }

    /// <summary>Adds a component.</summary>
    public TargetBuilder AddComponent(Component component)
    {
        ArgumentNullException.ThrowIfNull(component);
        _components.Add(component);
        return this;
    }

    /// <summary>Sets the state directory on the target.</summary>
    public TargetBuilder WithStateDirectory(string path)
    {
        _target = _target with { StateDirectory = path };
        return this;
    }

    /// <summary>Sets the compare mode.</summary>
    public TargetBuilder WithCompareMode(CompareMode mode)
    {
        _target = _target with { CompareMode = mode };
        return this;
    }

    /// <summary>Builds and validates the target.</summary>
    public TargetDefinition Build()
    {
        var t = _target with
        {
            Configuration = new Dictionary<string, string>(_configuration, StringComparer.Ordinal),
            Files = _files.ToList(),
            Components = _components.ToList(),
        };
        TargetValidator.Validate(t);
        return t;
    }
}
