using System.Text;
using Deploy.Core.Errors;

namespace Deploy.Docker.Files;

/// <summary>
/// Decodes a configuration file's bytes as strict UTF-8 and encodes edited text back the same way (keeping a BOM
/// when there was one), so that bytes outside an edit round-trip exactly.
/// </summary>
internal static class TextFileEncoding
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Decodes <paramref name="bytes"/>; throws <see cref="DeployErrorCode.ComposeFileInvalid"/> when they are not UTF-8.</summary>
    public static (string Text, bool HasBom) Decode(ReadOnlySpan<byte> bytes, string path)
    {
        var hasBom = bytes.StartsWith(Bom);
        try
        {
            return (Strict.GetString(hasBom ? bytes[3..] : bytes), hasBom);
        }
        catch (DecoderFallbackException e)
        {
            throw new DeployException(DeployErrorCode.ComposeFileInvalid, $"'{path}' is not UTF-8 text; it cannot be edited safely.", e) { Path = path };
        }
    }

    /// <summary>Encodes <paramref name="text"/> as UTF-8, with a BOM when <paramref name="hasBom"/>.</summary>
    public static byte[] Encode(string text, bool hasBom)
    {
        var body = Strict.GetBytes(text);
        return hasBom ? [.. Bom, .. body] : body;
    }

    /// <summary>The line ending the text uses most (<c>\r\n</c> or <c>\n</c>); <c>\n</c> for text without any.</summary>
    public static string DetectNewLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var crlf = 0;
        var lf = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                if (i > 0 && text[i - 1] == '\r')
                {
                    crlf++;
                }
                else
                {
                    lf++;
                }
            }
        }

        return crlf > lf ? "\r\n" : "\n";
    }

    /// <summary>The 1-based line number of character <paramref name="index"/>.</summary>
    public static int LineOf(string text, int index)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = 1;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
            }
        }

        return line;
    }

    /// <summary>The text of the line containing <paramref name="index"/>, without its terminator.</summary>
    public static string LineTextAt(string text, int index)
    {
        ArgumentNullException.ThrowIfNull(text);
        var start = index <= 0 ? 0 : text.LastIndexOf('\n', Math.Min(index, text.Length) - 1) + 1;
        var end = text.IndexOf('\n', start);
        end = end < 0 ? text.Length : end;
        return text[start..end].TrimEnd('\r');
    }
}
