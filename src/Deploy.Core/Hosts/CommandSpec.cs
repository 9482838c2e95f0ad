namespace Deploy.Core.Hosts;

/// <summary>
/// A command to run on a host, as argv (never a pre-joined shell string). Build one with
/// <see cref="Of(string[])"/> and refine it with <c>with</c> or the <c>With*</c> helpers.
/// </summary>
/// <param name="Argv">The program and its arguments. <c>Argv[0]</c> is looked up on the host's PATH.</param>
public sealed record CommandSpec(IReadOnlyList<string> Argv)
{
    /// <summary>Extra environment variables for the command.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The working directory on the host; <c>null</c> for the host's default.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Bytes fed to the command's standard input; <c>null</c> for an empty input.</summary>
    public Stream? StandardInput { get; init; }

    /// <summary>The time limit; <c>null</c> for none. When it passes, the command is killed and
    /// <see cref="Errors.DeployErrorCode.Timeout"/> is thrown.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Whether running the command twice is harmless. Only idempotent commands are retried after a transient
    /// transport failure; <value>the default is <c>false</c></value>.
    /// </summary>
    public bool Idempotent { get; init; }

    /// <summary>
    /// Values that must never appear in logs or exception messages (passwords, tokens). Every occurrence in the
    /// displayed command line is replaced by <c>***</c>.
    /// </summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>
    /// Indices into <see cref="Argv"/> of the arguments that are absolute target paths. A host whose target paths are
    /// not the machine's real paths (a <see cref="LocalHost"/> rooted in a sandbox) maps these arguments into its root
    /// before running the command; every other host passes them unchanged. Declaring path arguments is how a script
    /// works on a rooted host without knowing about the sandbox. <value>The default is none.</value>
    /// </summary>
    public IReadOnlyList<int> PathArguments { get; init; } = [];

    /// <summary>Called for every line of output as it arrives, never concurrently (the output is captured as well).</summary>
    public Action<OutputLine>? OnOutput { get; init; }

    /// <summary>Whether stdout and stderr are kept in the <see cref="CommandResult"/>; <value>the default is
    /// <c>true</c></value>. Turn off for commands that print a lot and are only streamed.</summary>
    public bool CaptureOutput { get; init; } = true;

    /// <summary>Creates a command from its argv.</summary>
    public static CommandSpec Of(params string[] argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Length == 0)
        {
            throw new ArgumentException("A command needs at least one argument (the program).", nameof(argv));
        }

        return new CommandSpec(argv);
    }

    /// <summary>Returns a copy with one more environment variable.</summary>
    public CommandSpec WithEnvironment(string name, string value)
    {
        CommandLine.ValidateVariableName(name);
        var env = new Dictionary<string, string>(Environment) { [name] = value };
        return this with { Environment = env };
    }

    /// <summary>Returns a copy in which the arguments at <paramref name="indices"/> (into <see cref="Argv"/>) are target paths.</summary>
    public CommandSpec WithPathArguments(params int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        foreach (var i in indices)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(i, nameof(indices));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Argv.Count, nameof(indices));
        }

        return this with { PathArguments = [.. PathArguments, .. indices] };
    }

    /// <summary>Returns a copy that runs in <paramref name="directory"/>.</summary>
    public CommandSpec InDirectory(string directory) => this with { WorkingDirectory = directory };

    /// <summary>The command line for display, with secrets replaced by <c>***</c>.</summary>
    public string Display
    {
        get
        {
            var text = CommandLine.Join(Argv);
            foreach (var secret in Secrets)
            {
                if (!string.IsNullOrEmpty(secret))
                {
                    text = text.Replace(secret, "***", StringComparison.Ordinal);
                }
            }

            return text;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Display;
}
