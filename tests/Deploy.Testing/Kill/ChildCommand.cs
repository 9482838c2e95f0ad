namespace Deploy.Testing.Kill;

/// <summary>A child process to run under <see cref="KillHarness"/>: any program and its argv.</summary>
/// <param name="FileName">The program (looked up on PATH), e.g. <c>dotnet</c> or <c>/bin/sh</c>.</param>
/// <param name="Arguments">Its arguments, passed as argv (no shell).</param>
public sealed record ChildCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Extra environment variables. <value>The default is none.</value></summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The working directory; <c>null</c> for the current one. <value>The default is <c>null</c>.</value></summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>A child running <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static ChildCommand Of(string fileName, params string[] arguments) => new(fileName, arguments);

    /// <summary>A child running a .NET program: <c>dotnet DLL ARGS...</c>.</summary>
    public static ChildCommand Dotnet(string dll, params string[] arguments) => new("dotnet", [dll, .. arguments]);

    /// <summary>A child running a POSIX sh script given as text (<see cref="StepBoundaries.ShellFunction"/> is defined
    /// before it); <paramref name="arguments"/> arrive as <c>$1...</c>.</summary>
    public static ChildCommand Shell(string script, params string[] arguments) =>
        new("/bin/sh", ["-c", StepBoundaries.ShellFunction + "\n" + script, "child", .. arguments]);

    /// <summary>This command with one more environment variable.</summary>
    public ChildCommand WithEnvironment(string name, string value) =>
        this with { Environment = new Dictionary<string, string>(Environment) { [name] = value } };
}
