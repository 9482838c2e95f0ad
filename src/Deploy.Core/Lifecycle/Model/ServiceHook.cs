namespace Deploy.Core.Lifecycle.Model;

/// <summary>One lifecycle hook: a POSIX shell command (a template, rendered with the service's values) and its time limit.</summary>
/// <param name="Command">The command line, run with <c>/bin/sh -c</c> in the service's working directory.</param>
/// <param name="Timeout">How long the hook may run before it is killed and reported.</param>
public sealed record ServiceHook(string Command, TimeSpan Timeout)
{
    /// <summary>The time limit when <c>timeout:</c> is not given: five minutes.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The working directory on the target; <c>null</c> for the service's component default.</summary>
    public string? WorkingDirectory { get; init; }
}
