using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Deploy.Core.Errors;
using Deploy.Docker.Images;
using Deploy.Docker.Updates;
using Deploy.Testing;
using YamlDotNet.RepresentationModel;

namespace Deploy.Docker.Tests.Files;

public class ComposeProjectCorpusTests
{
    public static TheoryData<string, string, string> Cases => ComposeProjectCases.All;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Update_resolves_services_as_compose_does_and_edits_only_tag_bytes_where_the_value_is_defined(string project, string archives, string expectation)
    {
        var dir = Path.Combine(ComposeProjectCases.Root, project);
        var words = expectation.Split(' ', 3);
        var act = () => ComposeProjectCases.PlanAsync(dir, archives);

        if (words[0] == "refused")
        {
            var e = (await act.Should().ThrowAsync<DeployException>()).Which;
            e.Code.ToString().Should().Be(words[1]);
            foreach (var mention in words[2].Split('|'))
            {
                e.Message.Should().Contain(mention);
            }

            e.Path.Should().NotBeNull();
            return;
        }

        var plan = await act();
        var services = words[1] == "-" ? [] : words[1].Split(',');
        var files = words[2] == "-" ? [] : words[2].Split(',').Select(f => Path.Combine(dir, f)).ToArray();
        plan.Services.Select(s => s.Service).Should().BeEquivalentTo(services);
        plan.Files.Select(f => f.Path).Should().BeEquivalentTo(files, "the edit goes into the file that defines the effective value");
        var targets = ComposeProjectCases.Targets(archives);
        foreach (var change in plan.Files)
        {
            change.OriginalBytes.Should().Equal(await File.ReadAllBytesAsync(change.Path));
            AssertOnlyTagsChanged(change, targets);
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Docker_compose_config_of_every_updated_project_differs_from_the_original_only_in_the_planned_images()
    {
        using var temp = new TempDirectory("compose-corpus");
        var runs = new List<(string Project, string Before, string After, ImageUpdatePlan Plan)>();
        foreach (var row in Cases)
        {
            var (project, archives, expectation) = ((string)row[0], (string)row[1], (string)row[2]);
            if (!expectation.StartsWith("ok", StringComparison.Ordinal))
            {
                continue;
            }

            var source = Path.Combine(ComposeProjectCases.Root, project);
            var plan = await ComposeProjectCases.PlanAsync(source, archives);
            var before = Copy(source, Path.Combine(temp.Path, "before", project));
            var after = Copy(source, Path.Combine(temp.Path, "after", project));
            foreach (var f in plan.Files)
            {
                await File.WriteAllBytesAsync(Path.Combine(after, Path.GetRelativePath(source, f.Path)), f.NewBytes);
            }

            runs.Add((project, before, after, plan));
        }

        var configs = await ComposeConfigAsync(runs.SelectMany(r => new[] { r.Before, r.After }));
        var failures = new List<string>();
        foreach (var (project, before, after, plan) in runs)
        {
            var (b, a) = (configs[before], configs[after]);
            if (b.Exit != 0 || a.Exit != 0)
            {
                failures.Add($"{project}: docker-compose config failed: {b.Err} {a.Err}");
                continue;
            }

            var expected = Images(b.Out);
            foreach (var s in plan.Services)
            {
                expected[s.Service] = s.NewReference;
            }

            var actual = Images(a.Out);
            if (!expected.OrderBy(k => k.Key).SequenceEqual(actual.OrderBy(k => k.Key)))
            {
                failures.Add($"{project}: images {string.Join(", ", actual)} != expected {string.Join(", ", expected)}");
            }

            if (WithoutImages(b.Out.Replace(before, "<dir>", StringComparison.Ordinal)) != WithoutImages(a.Out.Replace(after, "<dir>", StringComparison.Ordinal)))
            {
                failures.Add($"{project}: something besides image: changed in the config:\n{a.Out}");
            }
        }

        failures.Should().BeEmpty();
        runs.Should().HaveCountGreaterThan(20);
    }

    private static void AssertOnlyTagsChanged(PlannedFileChange change, IReadOnlyList<ImageTarget> targets)
    {
        var before = Lines(change.OriginalBytes);
        var after = Lines(change.NewBytes);
        after.Should().HaveCount(before.Count, $"{change.Path}: no line is added or removed");
        var changed = Enumerable.Range(0, before.Count).Where(i => before[i] != after[i]).ToList();
        changed.Select(i => i + 1).Should().BeEquivalentTo(change.Edits.Select(e => e.Line), $"{change.Path}: only the planned lines change");
        foreach (var i in changed)
        {
            // One span differs; the new span is (part of) a target's tag, the old one a tag or nothing.
            var (x, y) = (before[i], after[i]);
            var prefix = 0;
            while (prefix < x.Length && prefix < y.Length && x[prefix] == y[prefix])
            {
                prefix++;
            }

            var suffix = 0;
            while (suffix < x.Length - prefix && suffix < y.Length - prefix && x[^(suffix + 1)] == y[^(suffix + 1)])
            {
                suffix++;
            }

            var (oldSpan, newSpan) = (x[prefix..^suffix], y[prefix..^suffix]);
            var explained = targets.Any(t => (":" + t.Reference.Tag).Contains(newSpan, StringComparison.Ordinal)) && oldSpan.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
            explained.Should().BeTrue($"{change.Path} line {i + 1} changes only a tag: '{x}' -> '{y}'");
        }
    }

    // Lines with their endings, so CRLF and BOM bytes are compared too.
    private static List<string> Lines(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        lines.Add(text[start..]);
        return lines;
    }

    private static Dictionary<string, string> Images(string config)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(config));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        return services.Children.Where(c => ((YamlMappingNode)c.Value).Children.ContainsKey("image"))
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)((YamlMappingNode)c.Value)["image"]).Value!, StringComparer.Ordinal);
    }

    private static string WithoutImages(string config)
        => string.Join('\n', config.Split('\n').Where(l => !l.TrimStart().StartsWith("image:", StringComparison.Ordinal)));

    private static string Copy(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return destination;
    }

    private static async Task<Dictionary<string, (int Exit, string Out, string Err)>> ComposeConfigAsync(IEnumerable<string> directories)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Files", "compose_config.py"));
        foreach (var d in directories)
        {
            psi.ArgumentList.Add(d);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        p.ExitCode.Should().Be(0, await stderr);
        using var json = JsonDocument.Parse(await stdout);
        return json.RootElement.EnumerateObject().ToDictionary(
            o => o.Name,
            o => (o.Value.GetProperty("exit").GetInt32(), o.Value.GetProperty("out").GetString()!, o.Value.GetProperty("err").GetString()!),
            StringComparer.Ordinal);
    }
}
