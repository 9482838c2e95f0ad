using System.Text.Json;
using System.Text.RegularExpressions;
using Deploy.Core.Tests.Sequence;

namespace Deploy.Core.Tests.Cli;

/// <summary>The `deploy` tool's output modes (--output json, --quiet) and help, run as a child process.</summary>
[Trait("Category", "Integration")]
public sealed partial class CliOutputTests
{
    [Fact]
    public async Task Output_json_prints_exactly_one_json_document_on_stdout_and_the_human_lines_on_stderr()
    {
        var run = await DeployCli.RunAsync("run", "-o", "json", "--", "echo", "from-the-host");
        run.ExitCode.Should().Be(0, run.Error);
        using var doc = JsonDocument.Parse(run.Output); // throws unless stdout is one JSON document
        doc.RootElement.GetProperty("succeeded").GetInt32().Should().Be(1);
        doc.RootElement.GetProperty("hosts")[0].GetProperty("name").GetString().Should().Be("local");
        doc.RootElement.GetProperty("hosts")[0].GetProperty("output").GetString().Should().Be("from-the-host\n");
        run.Error.Should().Contain("Running echo from-the-host on 1 host(s)", "progress goes to stderr in json mode");

        var hosts = await DeployCli.RunAsync("hosts", "--output", "json");
        using var list = JsonDocument.Parse(hosts.Output);
        list.RootElement.EnumerateArray().Select(h => h.GetProperty("connection").GetString()).Should().Equal("local");
    }

    [Fact]
    public async Task A_failure_with_output_json_is_an_error_document_with_the_code_the_offending_path_and_the_exit_code()
    {
        var missing = await DeployCli.RunAsync("package", "verify", "/nonexistent/pkg.tar.gz", "-o", "json");
        missing.ExitCode.Should().Be(2);
        using var doc = JsonDocument.Parse(missing.Output);
        var error = doc.RootElement.GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("LocalPathNotFound");
        error.GetProperty("path").GetString().Should().Be("/nonexistent/pkg.tar.gz");
        error.GetProperty("exitCode").GetInt32().Should().Be(2);
        missing.Error.Should().Contain("error [LocalPathNotFound]");
    }

    [Fact]
    public async Task Quiet_prints_only_the_result_and_the_old_json_flag_still_means_output_json()
    {
        var loud = await DeployCli.RunAsync("run", "--", "echo", "x");
        var quiet = await DeployCli.RunAsync("run", "-q", "--", "echo", "x");
        loud.Output.Should().Contain("Running echo x").And.Contain("[1/1] local ok");
        quiet.ExitCode.Should().Be(0);
        quiet.Output.Should().NotContain("Running").And.NotContain("[1/1]").And.Contain("1 succeeded, 0 failed");

        var legacy = await DeployCli.RunAsync("hosts", "--json");
        JsonDocument.Parse(legacy.Output).RootElement.ValueKind.Should().Be(JsonValueKind.Array);
        var bad = await DeployCli.RunAsync("hosts", "-o", "yaml");
        bad.ExitCode.Should().NotBe(0, "only text and json are accepted");
    }

    [Fact]
    public async Task Every_verb_has_examples_in_its_help_and_every_example_names_an_existing_verb()
    {
        var verbs = new List<string>();
        await WalkAsync([], verbs);
        verbs.Should().Contain(["install", "upgrade", "apply", "run", "agent push", "package build", "docker update", "schedule apply"]);
        foreach (var verb in verbs)
        {
            var help = await DeployCli.RunAsync([.. verb.Split(' '), "--help"]);
            help.Output.Should().Contain("Examples:", $"`deploy {verb} --help` shows examples");
            foreach (Match m in ExampleLine().Matches(help.Output))
            {
                var words = m.Groups[1].Value.Split(' ');
                verbs.Should().Contain(v => words.Take(v.Split(' ').Length).SequenceEqual(v.Split(' ')), $"the example '{m.Value.Trim()}' in `deploy {verb} --help` names a verb");
            }
        }
    }

    private static async Task WalkAsync(string[] path, List<string> verbs)
    {
        var help = (await DeployCli.RunAsync([.. path, "--help"])).Output;
        var commands = help.Split("Commands:", 2) is [_, var rest] ? rest.Split('\n').TakeWhile(l => l.Length == 0 || l.StartsWith("  ", StringComparison.Ordinal)) : [];
        var subs = commands.Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => l.Split(' ')[0]).ToList();
        if (path.Length > 0 && help.Contains("Examples:", StringComparison.Ordinal) | subs.Count == 0)
        {
            verbs.Add(string.Join(' ', path));
        }

        foreach (var sub in subs)
        {
            await WalkAsync([.. path, sub], verbs);
        }
    }

    [GeneratedRegex(@"^    deploy ((?:[a-z]+ ?)+)", RegexOptions.Multiline)]
    private static partial Regex ExampleLine();
}
