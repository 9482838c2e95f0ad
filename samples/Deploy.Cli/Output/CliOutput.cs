using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Deploy.Cli.Output;

/// <summary>
/// How one invocation prints, from the options every verb takes (they are recursive options of the root command):
/// <c>--output text|json</c> (<c>-o</c>; json = exactly one JSON document on stdout, everything else on stderr),
/// <c>--quiet</c> (<c>-q</c>; only the result), <c>--verbose</c> (<c>-v</c>; every event and every line a hook prints).
/// In json mode everything the verbs write to <see cref="Console.Out"/> goes to stderr and only <see cref="Result"/>
/// reaches stdout; in quiet mode it is dropped. So a verb prints as it always did and names its result once.
/// Live progress (Spectre.Console tables, bars and spinners) is drawn only when stdout is a terminal and the output is
/// text and not quiet; redirected output gets plain lines. <c>DEPLOY_NO_PROGRESS=1</c> or <c>TERM=dumb</c> turns the
/// live display off as well.
/// </summary>
internal sealed class CliOutput
{
    /// <summary><c>--output</c>: text or json.</summary>
    public static readonly Option<string> FormatOption = CreateFormat();

    /// <summary><c>--json</c>: the same as <c>--output json</c> (kept for scripts written before <c>--output</c>).</summary>
    public static readonly Option<bool> JsonOption = new("--json") { Description = "The same as --output json", Hidden = true, Recursive = true };

    /// <summary><c>--quiet</c>: only the result.</summary>
    public static readonly Option<bool> QuietOption = new("--quiet", "-q") { Description = "Print only the result: no progress, no plan", Recursive = true };

    /// <summary><c>--verbose</c>: every event and hook output line.</summary>
    public static readonly Option<bool> VerboseOption = new("--verbose", "-v") { Description = "Print every progress event and every line hooks and services print", Recursive = true };

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly TextWriter _stdout;

    private CliOutput(bool json, bool quiet, bool verbose, bool interactive, TextWriter stdout)
    {
        _stdout = stdout;
        Json = json;
        Quiet = quiet;
        Verbose = verbose;
        Interactive = interactive;
    }

    /// <summary>The mode of this invocation (set by <see cref="Use"/> before a verb runs).</summary>
    public static CliOutput Current { get; private set; } = new(false, false, false, false, Console.Out);

    /// <summary>Whether the result is one JSON document on stdout.</summary>
    public bool Json { get; }

    /// <summary>Whether progress and plans are left out.</summary>
    public bool Quiet { get; }

    /// <summary>Whether every event and output line is printed.</summary>
    public bool Verbose { get; }

    /// <summary>Whether live progress (Spectre.Console) is drawn: a terminal, text output, not quiet.</summary>
    public bool Interactive { get; }

    /// <summary>Where human-readable progress lines go: stderr when stdout carries the JSON document, nowhere when quiet.</summary>
    public TextWriter Progress => Console.Out;

    /// <summary>Adds the global options to the root command.</summary>
    public static void AddTo(RootCommand root)
    {
        root.Options.Add(FormatOption);
        root.Options.Add(JsonOption);
        root.Options.Add(QuietOption);
        root.Options.Add(VerboseOption);
    }

    /// <summary>Reads the mode from a parse result and makes it <see cref="Current"/>.</summary>
    public static CliOutput Use(ParseResult parse)
    {
        var json = parse.GetValue(JsonOption) || string.Equals(parse.GetValue(FormatOption), "json", StringComparison.OrdinalIgnoreCase);
        var quiet = parse.GetValue(QuietOption);
        var interactive = !json && !quiet && IsTerminal();
        var stdout = Current._stdout;
        Current = new CliOutput(json, quiet, parse.GetValue(VerboseOption), interactive, stdout);
        if (json)
        {
            Console.SetOut(Console.Error);
        }
        else if (quiet)
        {
            Console.SetOut(TextWriter.Null);
        }

        return Current;
    }

    /// <summary>A progress line (left out when quiet; on stderr in json mode).</summary>
    public void Line(string text) => Console.Out.WriteLine(text);

    /// <summary>Text printed as-is (a plan, a report) unless quiet; on stderr in json mode.</summary>
    public void Text(string text) => Console.Out.Write(text);

    /// <summary>The verb's result: <paramref name="document"/> as JSON in json mode, else <paramref name="text"/>
    /// (printed even when quiet: it is the result).</summary>
    public void Result(object document, string text)
    {
        if (Json)
        {
            _stdout.WriteLine(Serialize(document));
        }
        else if (text.Length > 0)
        {
            _stdout.Write(text.EndsWith('\n') ? text : text + "\n");
        }
    }

    /// <summary>The verb's result when the SDK already gives its JSON (e.g. a plan's or a release's <c>ToJson()</c>).</summary>
    public void ResultJson(string json, string text)
    {
        if (Json)
        {
            _stdout.WriteLine(json);
        }
        else if (text.Length > 0)
        {
            _stdout.Write(text.EndsWith('\n') ? text : text + "\n");
        }
    }

    /// <summary>Serializes with the CLI's stable conventions: camelCase names, enums by their names (error codes as
    /// <c>DeployErrorCode</c> spells them), nulls left out, no HTML escaping (the document is not for a browser).</summary>
    public static string Serialize(object document) => JsonSerializer.Serialize(document, document.GetType(), Indented);

    private static Option<string> CreateFormat()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "text (default) or json: exactly one JSON document on stdout; progress goes to stderr",
            Recursive = true,
            DefaultValueFactory = _ => "text",
        };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }

    private static bool IsTerminal() =>
        !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("DEPLOY_NO_PROGRESS") is null or "" or "0"
        && Environment.GetEnvironmentVariable("TERM") is not "dumb"
        && AnsiConsole.Profile.Capabilities.Interactive;
}
