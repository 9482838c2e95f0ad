using Deploy.Core.Sequence.Model;


namespace Deploy.Core.Lifecycle.Model;

/// <summary>A config file rendered from a template in the service folder and placed on each host that runs the service.</summary>
/// <param name="Source">The template path relative to the service folder, with <c>/</c> (e.g. <c>templates/redis.conf</c>).</param>
/// <param name="Target">The absolute destination path on the target (itself a template: <c>/etc/{{ service.name }}.conf</c> works).</param>
public sealed record ConfigTemplate(string Source, string Target)
{
    /// <summary>Permission bits on the target; <value>the default is 0640, since configs may hold secrets</value>.</summary>
    public UnixFileMode Mode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>What a change of the rendered file does to the service's component; <value>the default is <see cref="ChangeEvent.Restart"/></value>.</summary>
    public ChangeEvent ChangeEvent { get; init; } = ChangeEvent.Restart;
}
