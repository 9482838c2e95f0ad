namespace Deploy.Testing;

/// <summary>File names and arguments that break naive quoting. Every host operation is tested with each.</summary>
public static class HostileNames
{
    public static readonly string[] All =
    [
        "plain",
        "with space",
        "double\"quote",
        "single'quote",
        "$(touch pwned)",
        "`touch pwned`",
        "semi;colon && echo x",
        "new\nline",
        "-leading-dash",
        "--help",
        "中文 文件名",
        "glob*?[a]",
        "back\\slash",
        "tab\there",
        "~tilde",
        "$HOME",
        "a=b",
        "",
    ];

    /// <summary>The names usable as file names (non-empty, no '/').</summary>
    public static IEnumerable<object[]> FileNames => All.Where(n => n.Length > 0).Select(n => new object[] { n });

    /// <summary>All names as xUnit data.</summary>
    public static IEnumerable<object[]> Arguments => All.Select(n => new object[] { n });
}
