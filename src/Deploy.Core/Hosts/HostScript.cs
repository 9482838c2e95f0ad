using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Deploy.Core.Hosts;

/// <summary>
/// A POSIX <c>sh</c> script the SDK runs on hosts, kept as a resource file (<c>name.sh</c>, checked by shellcheck)
/// whose header states its argument contract. Header lines of the form <c># $N path: what it is</c> declare that
/// positional parameter N is an absolute target path (<c># $@ path: ...</c>: every parameter is), so a host that
/// maps target paths (a rooted <see cref="LocalHost"/>) maps them and the script never needs to know about a sandbox.
/// The leading comment block is not sent: every byte of a command costs a <c>read(2)</c> in the remote shell.
/// </summary>
public sealed record HostScript
{
    private static readonly ConcurrentDictionary<(Assembly, string), HostScript> Cache = new();

    private HostScript(string name, string text, IReadOnlyList<int> pathParameters, bool allPaths)
    {
        Name = name;
        Text = text;
        PathParameters = pathParameters;
        AllParametersArePaths = allPaths;
    }

    /// <summary>The resource name, e.g. <c>state-commit.sh</c>.</summary>
    public string Name { get; }

    /// <summary>The script body sent to the host (the header comment removed).</summary>
    public string Text { get; }

    /// <summary>The positional parameters (1-based) that are absolute target paths.</summary>
    public IReadOnlyList<int> PathParameters { get; }

    /// <summary>Whether every positional parameter is a target path (<c># $@ path:</c>).</summary>
    public bool AllParametersArePaths { get; }

    /// <summary>Parses a script's text: its header declares the path parameters.</summary>
    /// <param name="name">A name for errors and logs.</param>
    /// <param name="source">The whole file, header included.</param>
    public static HostScript Parse(string name, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(source);
        var lines = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var paths = new SortedSet<int>();
        var all = false;
        var body = 0;
        for (; body < lines.Length; body++)
        {
            var line = lines[body].Trim();
            if (line.Length > 0 && line[0] != '#')
            {
                break;
            }

            if (!line.StartsWith("# $", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var head = colon < 0 ? line[3..] : line[3..colon];
            var parts = head.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || parts[1] != "path")
            {
                continue;
            }

            if (parts[0] == "@")
            {
                all = true;
            }
            else if (int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                paths.Add(n);
            }
            else
            {
                throw new FormatException($"Script {name}: '{line}' names no positional parameter.");
            }
        }

        var text = string.Join('\n', lines[body..]).Trim('\n');
        return new HostScript(name, text, [.. paths], all);
    }

    /// <summary>Loads the embedded resource <paramref name="name"/> of <paramref name="assembly"/> (cached).</summary>
    public static HostScript FromResource(Assembly assembly, string name)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Cache.GetOrAdd((assembly, name), static key =>
        {
            using var stream = key.Item1.GetManifestResourceStream(key.Item2)
                ?? throw new InvalidOperationException($"No script resource '{key.Item2}' in {key.Item1.GetName().Name}.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Parse(key.Item2, reader.ReadToEnd());
        });
    }

    /// <summary>
    /// The command that runs this script as <c>/bin/sh -c script sh args...</c> with its path arguments declared, so
    /// <paramref name="arguments"/> arrive as <c>$1</c>, <c>$2</c>... unchanged (a rooted host maps the paths).
    /// </summary>
    /// <param name="arguments">The positional parameters.</param>
    /// <param name="options">Other settings (timeout, stdin, secrets...); its argv is replaced.</param>
    public CommandSpec ToCommand(IReadOnlyList<string>? arguments = null, CommandSpec? options = null)
    {
        arguments ??= [];
        var argv = new List<string>(4 + arguments.Count) { "/bin/sh", "-c", Text, "sh" };
        argv.AddRange(arguments);
        var pathIndices = AllParametersArePaths
            ? Enumerable.Range(4, arguments.Count).ToArray()
            : PathParameters.Where(p => p <= arguments.Count).Select(p => p + 3).ToArray();
        var spec = (options ?? new CommandSpec(argv)) with { Argv = argv, PathArguments = [] };
        return pathIndices.Length == 0 ? spec : spec.WithPathArguments(pathIndices);
    }
}
