using Deploy.Core.Sequence.Model;

namespace Deploy.Core.Sequence.Applying;

/// <summary>A service that failed during an apply: a run-once service with a non-zero exit, a runtime service that
/// could not start, or one that exited within its settle period.</summary>
/// <param name="Component">The component.</param>
/// <param name="Service">The service, e.g. <c>Types runtime#0</c>.</param>
/// <param name="ExitCode">Its exit code, when known.</param>
/// <param name="Message">What happened, with the tail of its output or log.</param>
/// <param name="ErrorHandling">Its component's error handling, which decided what the apply did next.</param>
public sealed record ServiceFailure(string Component, string Service, int? ExitCode, string Message, ErrorHandling ErrorHandling)
{
    /// <summary>Whether it was a runtime service that exited on its own after it started.</summary>
    public bool Crashed { get; init; }
}
