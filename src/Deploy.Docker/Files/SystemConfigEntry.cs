namespace Deploy.Docker.Files;

/// <summary>One <c>KEY=value</c> assignment of a <see cref="SystemConfig"/>.</summary>
/// <param name="Key">The variable name.</param>
/// <param name="Value">The value without quotes.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="ValueStart">Character offset of the value (inside the quotes when quoted).</param>
/// <param name="ValueLength">Length of the value text in the file.</param>
/// <param name="Quote">The quote character around the value, or <c>null</c> when unquoted.</param>
public sealed record SystemConfigEntry(string Key, string Value, int Line, int ValueStart, int ValueLength, char? Quote);
