using System.Text;

namespace Deploy.Docker.Files;

/// <summary>One piece of a compose value: literal text or a <c>$VAR</c> / <c>${VAR}</c> / <c>${VAR:-default}</c> reference.</summary>
/// <param name="Start">Offset of the piece in the value.</param>
/// <param name="Length">Length of the piece in the value.</param>
/// <param name="Text">The literal text (with <c>$$</c> unescaped), or the variable name.</param>
/// <param name="IsVariable">Whether this piece is a variable reference.</param>
/// <param name="DefaultStart">For <c>${VAR:-default}</c> / <c>${VAR-default}</c>: offset of the default text in the value; otherwise -1.</param>
/// <param name="Default">The default text, or <c>null</c>.</param>
internal sealed record InterpolationPiece(int Start, int Length, string Text, bool IsVariable, int DefaultStart = -1, string? Default = null);

/// <summary>Compose-style variable interpolation, split into pieces that keep their positions so they can be edited in place.</summary>
internal static class Interpolation
{
    /// <summary>Splits <paramref name="value"/> into literal and variable pieces.</summary>
    public static IReadOnlyList<InterpolationPiece> Split(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var pieces = new List<InterpolationPiece>();
        var literal = new StringBuilder();
        var literalStart = 0;
        var i = 0;
        void Flush(int end)
        {
            if (end > literalStart)
            {
                pieces.Add(new InterpolationPiece(literalStart, end - literalStart, literal.ToString(), false));
            }

            literal.Clear();
        }

        while (i < value.Length)
        {
            if (value[i] != '$' || i + 1 >= value.Length)
            {
                literal.Append(value[i++]);
                continue;
            }

            if (value[i + 1] == '$')
            {
                literal.Append('$');
                i += 2;
                continue;
            }

            if (value[i + 1] == '{')
            {
                var close = value.IndexOf('}', i + 2);
                if (close < 0)
                {
                    literal.Append(value[i++]);
                    continue;
                }

                Flush(i);
                var inner = value[(i + 2)..close];
                var op = inner.IndexOfAny([':', '-', '?']);
                string name = op < 0 ? inner : inner[..op];
                int defaultStart = -1;
                string? @default = null;
                if (op >= 0)
                {
                    var opLength = inner[op] == ':' && op + 1 < inner.Length ? 2 : 1;
                    var opText = inner.Substring(op, Math.Min(opLength, inner.Length - op));
                    if (opText is ":-" or "-")
                    {
                        defaultStart = i + 2 + op + opText.Length;
                        @default = inner[(op + opText.Length)..];
                    }
                }

                pieces.Add(new InterpolationPiece(i, close + 1 - i, name, true, defaultStart, @default));
                i = close + 1;
                literalStart = i;
                continue;
            }

            if (char.IsAsciiLetter(value[i + 1]) || value[i + 1] == '_')
            {
                Flush(i);
                var j = i + 1;
                while (j < value.Length && (char.IsAsciiLetterOrDigit(value[j]) || value[j] == '_'))
                {
                    j++;
                }

                pieces.Add(new InterpolationPiece(i, j - i, value[(i + 1)..j], true));
                i = j;
                literalStart = i;
                continue;
            }

            literal.Append(value[i++]);
        }

        Flush(value.Length);
        return pieces;
    }

    /// <summary>Substitutes variables from <paramref name="variables"/> (defaults apply when unset); <c>null</c> when a
    /// variable without default is unset.</summary>
    public static string? Substitute(string value, IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var builder = new StringBuilder();
        foreach (var p in Split(value))
        {
            if (!p.IsVariable)
            {
                builder.Append(p.Text);
            }
            else if (variables.TryGetValue(p.Text, out var v) && (v.Length > 0 || p.Default is null))
            {
                builder.Append(v);
            }
            else if (p.Default is not null)
            {
                builder.Append(p.Default);
            }
            else
            {
                return null;
            }
        }

        return builder.ToString();
    }
}
