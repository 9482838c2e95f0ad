using System.Text;

namespace Deploy.Core.Hosts;

/// <summary>
/// The one quoting routine. Turns argv into a POSIX <c>sh</c> command line in which every argument arrives
/// unchanged and nothing in it is interpreted: spaces, quotes, <c>$(...)</c>, backticks, globs, newlines,
/// leading dashes and non-ASCII text all survive.
/// </summary>
public static class CommandLine
{
    /// <summary>Quotes one argument for a POSIX shell.</summary>
    /// <remarks>
    /// Safe words (letters, digits and <c>@%+:,./-_</c>) are returned as they are, for readable logs; everything
    /// else is wrapped in single quotes with
    /// embedded single quotes written as <c>'\''</c>. The empty string becomes <c>''</c>.
    /// </remarks>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length == 0)
        {
            return "''";
        }

        if (IsSafe(argument))
        {
            return argument;
        }

        var sb = new StringBuilder(argument.Length + 8);
        sb.Append('\'');
        foreach (var c in argument)
        {
            if (c == '\'')
            {
                sb.Append("'\\''");
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append('\'');
        return sb.ToString();
    }

    /// <summary>Joins argv into one POSIX shell command line, quoting every argument.</summary>
    public static string Join(IEnumerable<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        return string.Join(' ', argv.Select(Quote));
    }

    /// <summary>
    /// Builds a command line that sets environment variables and a working directory, then runs argv:
    /// <c>cd 'dir' &amp;&amp; env 'K=V' ... argv</c>. Variable names are validated; values are quoted.
    /// </summary>
    public static string Build(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0)
        {
            throw new ArgumentException("A command needs at least one argument (the program).", nameof(argv));
        }

        var sb = new StringBuilder();
        if (!string.IsNullOrEmpty(workingDirectory))
        {
            sb.Append("cd ").Append(Quote(workingDirectory)).Append(" && ");
        }

        if (environment is { Count: > 0 })
        {
            sb.Append("exec env");
            foreach (var (key, value) in environment)
            {
                ValidateVariableName(key);
                sb.Append(' ').Append(Quote(key + "=" + value));
            }

            sb.Append(' ');
        }
        else
        {
            sb.Append("exec ");
        }

        // "--" keeps env from reading a program name that starts with '-' as an option.
        if (environment is { Count: > 0 } && argv[0].StartsWith('-'))
        {
            sb.Append("-- ");
        }

        sb.Append(Join(argv));
        return sb.ToString();
    }

    /// <summary>Throws unless <paramref name="name"/> is a valid POSIX environment variable name.</summary>
    public static void ValidateVariableName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{name}' is not a valid environment variable name (letters, digits and '_', not starting with a digit).", nameof(name));
        }
    }

    private static bool IsSafe(string s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '@' or '%' or '+' or ':' or ',' or '.' or '/' or '-' or '_'))
            {
                return false;
            }
        }

        // '=' is quoted so a first word is never read as an assignment; '~' is quoted (tilde expansion).
        return true;
    }
}
