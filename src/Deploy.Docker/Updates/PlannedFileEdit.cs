namespace Deploy.Docker.Updates;

/// <summary>One changed line of a planned file change, for display.</summary>
/// <param name="Line">1-based line number.</param>
/// <param name="Before">The line before the change.</param>
/// <param name="After">The line after the change.</param>
/// <param name="Reason">Why the line changes (which image, which variable).</param>
public sealed record PlannedFileEdit(int Line, string Before, string After, string Reason);
