namespace Deploy.Packaging.Model;

/// <summary>
/// The one version rule of <c>os_release</c>, shared by <see cref="OsReleaseFilter"/> and the generated
/// <c>./install</c> launcher (whose awk implements the same steps):
/// <list type="number">
/// <item>case is ignored, and one leading <c>v</c> before a digit is dropped, so <c>V10</c> == <c>v10</c> == <c>10</c>
/// (Kylin writes <c>VERSION_ID="V10"</c> on servers and <c>"v10"</c> on desktops);</item>
/// <item>a version is a list of tokens: maximal runs of digits (compared as numbers, <c>7.9 &lt; 7.10</c>) and maximal
/// runs of letters (compared as lower-case strings); any other character only separates tokens;</item>
/// <item>tokens compare pairwise; a missing token counts as <c>0</c>, so <c>7</c> == <c>7.0</c>; a number is greater
/// than letters at the same position (<c>10.1 &gt; 10.sp1</c>);</item>
/// <item><c>=</c> compares only as many tokens as the bound has, so <c>ubuntu=22</c> matches <c>22.04</c>.</item>
/// </list>
/// </summary>
internal static class OsReleaseVersion
{
    /// <summary>Splits <paramref name="version"/> into its tokens (lower case, leading <c>v</c> dropped).</summary>
    public static IReadOnlyList<string> Tokens(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var v = version.ToLowerInvariant();
        if (v.Length > 1 && v[0] == 'v' && char.IsAsciiDigit(v[1]))
        {
            v = v[1..];
        }

        var tokens = new List<string>();
        var i = 0;
        while (i < v.Length)
        {
            var j = i;
            if (char.IsAsciiDigit(v[i]))
            {
                while (j < v.Length && char.IsAsciiDigit(v[j]))
                {
                    j++;
                }
            }
            else if (char.IsAsciiLetterLower(v[i]))
            {
                while (j < v.Length && char.IsAsciiLetterLower(v[j]))
                {
                    j++;
                }
            }
            else
            {
                i++;
                continue;
            }

            tokens.Add(v[i..j]);
            i = j;
        }

        return tokens;
    }

    /// <summary>Compares two versions by the rule above: negative, zero or positive. <paramref name="limit"/>, when
    /// positive, compares only that many tokens.</summary>
    public static int Compare(string left, string right, int limit = 0)
    {
        var a = Tokens(left);
        var b = Tokens(right);
        var n = limit > 0 ? limit : Math.Max(a.Count, b.Count);
        for (var i = 0; i < n; i++)
        {
            var c = CompareToken(i < a.Count ? a[i] : "0", i < b.Count ? b[i] : "0");
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static int CompareToken(string x, string y)
    {
        var xNumber = char.IsAsciiDigit(x[0]);
        var yNumber = char.IsAsciiDigit(y[0]);
        if (xNumber && yNumber)
        {
            // Numbers of any length: compare without leading zeros, by length first, then digit by digit.
            var tx = x.TrimStart('0');
            var ty = y.TrimStart('0');
            return tx.Length != ty.Length ? Math.Sign(tx.Length - ty.Length) : Math.Sign(string.CompareOrdinal(tx, ty));
        }

        if (xNumber != yNumber)
        {
            return xNumber ? 1 : -1;
        }

        return Math.Sign(string.Compare(x, y, StringComparison.Ordinal));
    }
}
