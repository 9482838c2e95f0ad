namespace Deploy.Core.Hosts;

/// <summary>Which stream a line of command output came from.</summary>
public enum OutputStream
{
    /// <summary>Standard output.</summary>
    StandardOutput,
    /// <summary>Standard error.</summary>
    StandardError,
}

/// <summary>One line of command output, without its line terminator.</summary>
public readonly record struct OutputLine(OutputStream Stream, string Text);
