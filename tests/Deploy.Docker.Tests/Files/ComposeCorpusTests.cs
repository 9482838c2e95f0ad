using System.Text;
using Deploy.Docker.Files;
using Deploy.Docker.Images;
using Deploy.Docker.Updates;

namespace Deploy.Docker.Tests.Files;

public class ComposeCorpusTests
{
    private static readonly string CorpusDir = Path.Combine(AppContext.BaseDirectory, "Files", "Corpus");

    // file -> (lines expected to change in the compose file, lines expected to change in its .env)
    public static TheoryData<string, int, int> Corpus => new()
    {
        { "01-new-layout-service.yml", 1, 0 },
        { "02-old-layout-quoted.yml", 1, 0 },
        { "03-anchor-merge.yml", 1, 0 },
        { "04-anchored-scalar.yml", 1, 0 },
        { "05-digest.yml", 1, 0 },
        { "06-crlf.yml", 2, 0 },
        { "07-env-tag.yml", 0, 1 },
        { "08-env-default.yml", 1, 0 },
        { "09-flow-style.yml", 1, 0 },
        { "10-registry-prefix.yml", 1, 0 },
        { "11-comments-everywhere.yml", 1, 0 },
        { "12-vicode.yml", 1, 0 },
        { "13-chinese-and-build.yml", 1, 0 },
        { "14-sequence-merge.yml", 1, 0 },
        { "15-same-image-many-services.yml", 1, 0 },
        { "16-bom-tabs-in-comments.yml", 1, 0 },
        { "17-whole-image-var.yml", 0, 1 },
        { "18-no-tag.yml", 1, 0 },
    };

    private static readonly ImageTarget[] Targets =
    [
        new(ImageReference.Parse("encoo/console-web-v4-pvt:4.2.0"), "sha256:" + new string('a', 64), "web.tar.gz"),
        new(ImageReference.Parse("encoo/rpa-service:4.2.0"), "sha256:" + new string('b', 64), "rpa.tar"),
        new(ImageReference.Parse("encoo/vicode-service:2.4.0"), "sha256:" + new string('c', 64), "vicode.tar"),
    ];

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Update_changes_only_the_tag_and_keeps_every_other_byte(string file, int composeLines, int envLines)
    {
        var path = Path.Combine(CorpusDir, file);
        var original = File.ReadAllBytes(path);
        var envPath = Path.ChangeExtension(path, ".env");
        var env = File.Exists(envPath) ? SystemConfig.Parse(File.ReadAllBytes(envPath), ".env") : null;
        var project = new ComposeProject("/console", [ComposeFile.Parse(original, file)], null, env);

        var plan = ImageUpdatePlanner.Plan("/console", [project], Targets);

        var composeChange = plan.Files.SingleOrDefault(f => f.Path == file);
        var changed = AssertOnlyTagsDiffer(original, composeChange?.NewBytes ?? original);
        changed.Should().Be(composeLines, "only the image lines of the compose file change");
        if (env is not null)
        {
            var envChange = plan.Files.Single(f => f.Path == ".env");
            AssertOnlyTagsDiffer(env.ToBytes(), envChange.NewBytes).Should().Be(envLines);
        }
        else
        {
            envLines.Should().Be(0);
        }

        // Re-read: every service that used the console image now resolves to the new tag.
        var after = ComposeFile.Parse(composeChange?.NewBytes ?? original, file);
        var vars = env is null ? new Dictionary<string, string>() : SystemConfig.Parse(plan.Files.Single(f => f.Path == ".env").NewBytes, ".env").ToDictionary();
        var repo = file.StartsWith("12-", StringComparison.Ordinal) ? "encoo/vicode-service" : "encoo/console-web-v4-pvt";
        var updatedSites = after.ImageSites
            .Select(s => ImageReference.Parse(Interpolation.Substitute(s.Value, vars)!))
            .Where(r => r.SameRepository(repo))
            .ToList();
        updatedSites.Should().NotBeEmpty().And.OnlyContain(r => r.Tag == Targets.Single(t => t.Reference.Repository == repo).Reference.Tag && r.Digest == null);
        plan.Services.Should().Contain(s => ImageReference.Parse(s.NewReference).SameRepository(repo));
    }

    [Fact]
    public void Anchored_image_is_edited_once_and_reported_for_every_service_using_it()
    {
        var file = ComposeFile.Parse(File.ReadAllBytes(Path.Combine(CorpusDir, "03-anchor-merge.yml")), "03.yml");
        var site = file.SiteOf("console-web")!;
        site.Services.Should().Equal("console-web", "console-web-b");
        file.SiteOf("other")!.Value.Should().Be("busybox:1.36");
    }

    [Fact]
    public void Plan_text_names_files_lines_services_and_variable_decisions()
    {
        var path = Path.Combine(CorpusDir, "07-env-tag.yml");
        var env = SystemConfig.Parse(File.ReadAllBytes(Path.ChangeExtension(path, ".env")), "/console/.env");
        var project = new ComposeProject("/console", [ComposeFile.Parse(File.ReadAllBytes(path), "/console/docker-compose.yml")], null, env);
        var text = ImageUpdatePlanner.Plan("/console", [project], Targets).ToText();
        text.Should().Contain("console-web: encoo/console-web-v4-pvt:4.1.1 -> encoo/console-web-v4-pvt:4.2.0")
            .And.Contain("/console/.env").And.Contain("- CONSOLE_WEB_TAG=4.1.1").And.Contain("+ CONSOLE_WEB_TAG=4.2.0")
            .And.Contain(".env is updated instead of the compose file");
    }

    private static int AssertOnlyTagsDiffer(byte[] before, byte[] after)
    {
        before.Take(3).Should().Equal(after.Take(3), "a BOM is kept");
        var a = SplitLines(before);
        var b = SplitLines(after);
        b.Should().HaveCount(a.Count, "no line is added or removed");
        var changed = 0;
        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] == b[i])
            {
                continue;
            }

            changed++;
            var expected = System.Text.RegularExpressions.Regex.Replace(a[i], "@sha256:[0-9a-f]{64}", "")
                .Replace("console-web-v4-pvt:4.1.1", "console-web-v4-pvt:4.2.0", StringComparison.Ordinal)
                .Replace("rpa-service:4.1.1", "rpa-service:4.2.0", StringComparison.Ordinal).Replace("vicode-service:2.3.0", "vicode-service:2.4.0", StringComparison.Ordinal)
                .Replace("CONSOLE_WEB_TAG=4.1.1", "CONSOLE_WEB_TAG=4.2.0", StringComparison.Ordinal)
                .Replace("CONSOLE_WEB_TAG:-4.1.1", "CONSOLE_WEB_TAG:-4.2.0", StringComparison.Ordinal);
            if (a[i].Contains("console-web-v4-pvt\n", StringComparison.Ordinal) || a[i].TrimEnd('\n', '\r').EndsWith("console-web-v4-pvt", StringComparison.Ordinal))
            {
                expected = a[i].Replace("console-web-v4-pvt", "console-web-v4-pvt:4.2.0", StringComparison.Ordinal);
            }

            b[i].Should().Be(expected, $"line {i + 1} may only change its tag");
        }

        return changed;
    }

    // Lines with their terminators, so CR/LF differences would show.
    private static List<string> SplitLines(byte[] bytes)
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
}
