namespace Deploy.Testing.Kill;

/// <summary>What <see cref="KillHarness"/> saw of a child it SIGKILLed at a step boundary.</summary>
/// <param name="Boundary">The boundary the child paused at.</param>
/// <param name="Step">The step name from its marker line.</param>
/// <param name="ProcessGroupId">The child's process group (every member was killed).</param>
/// <param name="ExitCode">The child's exit code as .NET reports it (137 = 128 + SIGKILL).</param>
/// <param name="StandardOutput">Everything it printed on stdout, the marker line included.</param>
/// <param name="StandardError">Everything it printed on stderr.</param>
public sealed record KilledChild(int Boundary, string Step, int ProcessGroupId, int ExitCode, string StandardOutput, string StandardError);
