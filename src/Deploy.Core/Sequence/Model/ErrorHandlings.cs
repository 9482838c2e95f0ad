namespace Deploy.Core.Sequence.Model;

/// <summary>Reads <see cref="ErrorHandling"/> values in our spelling and in exOS's.</summary>
public static class ErrorHandlings
{
    /// <summary>
    /// <c>Stop</c> or exOS <c>Target</c>; <c>Continue</c> or exOS <c>Ignore</c>; <c>Component</c> (case-insensitive).
    /// Returns <c>null</c> for any other text: callers report it with the field it came from.
    /// </summary>
    public static ErrorHandling? Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "STOP" or "TARGET" => ErrorHandling.Stop,
        "CONTINUE" or "IGNORE" => ErrorHandling.Continue,
        "COMPONENT" => ErrorHandling.Component,
        _ => null,
    };

    /// <summary>The accepted spellings, for error messages.</summary>
    public const string Accepted = "Target (Stop), Component, Ignore (Continue)";
}
