using System.Text.RegularExpressions;
using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Model;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Deploy.Core.Lifecycle.Templates;

/// <summary>
/// Renders templates with Scriban: strict (an undefined variable or member is an error), with the values and facts of
/// a <see cref="RenderContext"/>, and a <c>secret "name"</c> function that asks an <see cref="ISecretStore"/>.
/// Errors are <see cref="DeployErrorCode.TemplateError"/> naming the template file and line. Secrets never reach an
/// error message.
/// </summary>
public static partial class TemplateRenderer
{
    /// <summary>Renders <paramref name="template"/> text; <paramref name="sourceName"/> names it in errors.</summary>
    public static async Task<RenderedText> RenderAsync(string template, string sourceName, RenderContext context, ISecretStore secrets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secrets);
        var parsed = Template.Parse(template, sourceName);
        if (parsed.HasErrors)
        {
            var m = parsed.Messages.First(x => x.Type == Scriban.Parsing.ParserMessageType.Error);
            throw Error(sourceName, m.Span.Start.Line, m.Span.Start.Column, m.Message, null);
        }

        var globals = Globals(context);
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var pass = 0; ; pass++)
        {
            var missing = new List<string>();
            var used = new List<string>();
            var scope = new ScriptObject();
            scope.Import(globals);
            scope.Import("secret", new Func<string, string>(name =>
            {
                if (!SecretName().IsMatch(name ?? ""))
                {
                    throw new ArgumentException($"'{name}' is not a valid secret name (letters, digits, '_', '-', '.').");
                }

                if (known.TryGetValue(name!, out var value))
                {
                    used.Add(value);
                    return value;
                }

                missing.Add(name!);
                return "";
            }));
            var tc = new TemplateContext
            {
                StrictVariables = true,
                EnableRelaxedMemberAccess = false,
                MemberRenamer = member => member.Name,
                LoopLimit = 100_000,
                CancellationToken = cancellationToken,
            };
            tc.PushGlobal(scope);
            string text;
            try
            {
                text = await parsed.RenderAsync(tc).ConfigureAwait(false);
            }
            catch (ScriptRuntimeException e)
            {
                throw Error(sourceName, e.Span.Start.Line, e.Span.Start.Column, Redact(e.OriginalMessage ?? e.Message, known.Values), e.InnerException is ArgumentException a ? a : null);
            }

            if (missing.Count == 0)
            {
                return new RenderedText(text, used.Distinct(StringComparer.Ordinal).ToList());
            }

            if (pass > 0)
            {
                throw Error(sourceName, 0, 0, "the secret store did not keep the secrets it created.", null);
            }

            foreach (var name in missing.Distinct(StringComparer.Ordinal))
            {
                known[name] = await secrets.GetOrCreateAsync(name, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static DeployException Error(string source, int line, int column, string message, Exception? inner) =>
        new(DeployErrorCode.TemplateError, $"{source}:{line + 1}:{column + 1}: template error: {message}", inner) { Path = $"{source}:{line + 1}" };

    private static string Redact(string text, IEnumerable<string> secrets) =>
        secrets.Where(s => s.Length > 0).Aggregate(text, (t, s) => t.Replace(s, "***", StringComparison.Ordinal));

    private static ScriptObject Globals(RenderContext context)
    {
        var g = new ScriptObject();
        foreach (var (k, v) in context.Values)
        {
            g[k] = Convert(v);
        }

        g["host"] = Host(context.Host);
        g["service"] = Object(new Dictionary<string, object?>
        {
            ["name"] = context.Service.Name,
            ["version"] = context.Service.Version.ToString(),
            ["kind"] = context.Service.Kind.ToString().ToLowerInvariant(),
        });
        g["product"] = Object(new Dictionary<string, object?> { ["name"] = context.Product.Name, ["version"] = context.Product.Version.ToString() });
        var placement = new ScriptObject();
        foreach (var (service, hosts) in context.Placement)
        {
            placement[service] = Hosts(hosts);
        }

        g["placement"] = placement;
        g["peers"] = Hosts(context.Placement.TryGetValue(context.Service.Name, out var peers) ? peers : []);
        return g;
    }

    private static ScriptArray Hosts(IReadOnlyList<RenderHost> hosts)
    {
        var a = new ScriptArray();
        foreach (var h in hosts)
        {
            a.Add(Host(h));
        }

        return a;
    }

    private static ScriptObject Host(RenderHost h) => Object(new Dictionary<string, object?>
    {
        ["name"] = h.Name,
        ["address"] = h.Address,
        ["hostname"] = h.Hostname ?? h.Name,
        ["os"] = new Dictionary<string, object?>
        {
            ["id"] = h.OsRelease?.Id ?? "",
            ["version_id"] = h.OsRelease?.VersionId ?? "",
            ["pretty_name"] = h.OsRelease?.PrettyName ?? "",
        },
        ["labels"] = h.Labels.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal),
        ["vars"] = h.Vars.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal),
    });

    private static ScriptObject Object(IReadOnlyDictionary<string, object?> values)
    {
        var o = new ScriptObject();
        foreach (var (k, v) in values)
        {
            o[k] = Convert(v);
        }

        return o;
    }

    private static object? Convert(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> map => Object(map),
        IReadOnlyList<object?> list => new ScriptArray(list.Select(Convert)),
        _ => value,
    };

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,128}$")]
    private static partial Regex SecretName();
}
