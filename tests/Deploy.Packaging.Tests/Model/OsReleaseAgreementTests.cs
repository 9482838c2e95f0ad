using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Testing;

namespace Deploy.Packaging.Tests.Model;

/// <summary>
/// One rule, one behaviour: every os-release sample x every filter goes through the C# filter
/// (<see cref="OsReleaseFilter"/> on <see cref="OsRelease.Parse"/>) and through the generated launcher's
/// <c>check_os_release</c> run by /bin/sh on the same file, and the answers must agree.
/// </summary>
public class OsReleaseAgreementTests
{
    // Targets run different awks (gawk on RHEL-likes, mawk on Debian-likes, busybox in minimal images): all three.
    private static readonly Dictionary<string, string> Awks = new(StringComparer.Ordinal)
    {
        ["gawk"] = "/usr/bin/gawk",
        ["mawk"] = "/usr/bin/mawk",
        ["busybox"] = "/bin/busybox",
    };

    public static TheoryData<string, string> Samples
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var sample in OsReleaseSamples.All.Keys)
            {
                foreach (var awk in Awks.Keys)
                {
                    data.Add(sample, awk);
                }
            }

            return data;
        }
    }

    // What a user means, for the cases the issue names (and their neighbours).
    public static TheoryData<string, string, bool> Expected => new()
    {
        { "kylin-v10-server", "kylin>=V10", true },
        { "kylin-v10-desktop", "kylin>=V10", true },
        { "kylin-v10-server", "kylin>=v10", true },
        { "kylin-v10-desktop", "kylin>=10", true },
        { "kylin-v10-server", "kylin>V9", true },
        { "kylin-v10-server", "kylin=V10", true },
        { "kylin-v10-desktop", "kylin<V11", true },
        { "kylin-v10-server", "kylin>V10", false },
        { "uos-20-server", "uos>=20", true },
        { "uos-20-desktop", "uos<20", false },
        { "openeuler-22.03-sp1", "openeuler>=22.03", true },
        { "openeuler-20.03-sp3", "openeuler>=22.03", false },
        { "openeuler-20.03-sp3", "openEuler=20.03", true },
        { "bclinux-21.10", "bclinux>=21", true },
        { "bclinux-8.8", "bclinux<21", true },
        { "bclinux-8.8", "bclinux=8", true },
        { "empty-version-id", "centos<8", false },
        { "empty-version-id", "centos", true },
        { "centos-7", "centos>=7.6", false },
        { "centos-7", "centos>=7", true },
        { "centos-7-crlf", "centos=7", true },
        { "shell-syntax-export-and-comments", "centos>=7", true },
        { "shell-syntax-export-and-comments", "like:rhel<8", true },
        { "rocky-8.9", "centos", false },
        { "rocky-8.9", "like:centos>=7", true },
        { "anolis-8.8", "like:rhel>=8", true },
        { "anolis-7.9", "like:rhel>=8", false },
        { "tencentos-3.1", "like:rhel>=8", false },
        { "tencentos-3.1", "tencentos>=3", true },
        { "alinux-3", "like:anolis", true },
        { "bclinux-8.8", "like:rhel>=8", true },
        { "bclinux-21.10", "like:rhel>=8", false },
        { "ubuntu-22.04.3", "ubuntu>=22.04.2", true },
        { "ubuntu-22.04.3", "ubuntu=22", true },
        { "ubuntu-20.04", "ubuntu>=22.04", false },
        { "ubuntu-20.04", "like:debian", true },
        { "kylin-v10-desktop", "like:debian", true },
        { "debian-testing", "debian>=11", false },
        { "debian-testing", "like:debian", true },
        { "alinux-2", "alinux>=2.1903", true },
        { "deepin-20.9", "deepin>=20.9", true },
        { "no-id", "linux", true },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Launcher_and_library_give_the_same_answer_for_every_filter(string sample, string awk)
    {
        using var dir = new TempDirectory("osrel");
        var file = dir.WriteFile("os-release", OsReleaseSamples.All[sample]);
        var os = OsRelease.Parse(OsReleaseSamples.All[sample]);
        Directory.CreateDirectory(dir.Combine("bin"));
        File.CreateSymbolicLink(dir.Combine("bin", "awk"), Awks[awk]);

        var shell = await LauncherAnswersAsync(file, OsReleaseSamples.Filters, dir.Combine("bin"));

        var library = OsReleaseSamples.Filters.Select(f => OsReleaseFilter.Parse(f).Matches(os)).ToList();
        var disagreements = OsReleaseSamples.Filters.Where((f, i) => shell[i] != library[i]).Select(f => $"{f}: launcher {!OsReleaseFilter.Parse(f).Matches(os)}, library {OsReleaseFilter.Parse(f).Matches(os)}");
        disagreements.Should().BeEmpty();
        shell.Should().Contain(true, "every sample matches at least its own id").And.Contain(false);
    }

    [Theory]
    [MemberData(nameof(Expected))]
    public async Task Both_implementations_answer_what_the_user_means(string sample, string filter, bool expected)
    {
        using var dir = new TempDirectory("osrel");
        var file = dir.WriteFile("os-release", OsReleaseSamples.All[sample]);

        OsReleaseFilter.Parse(filter).Matches(OsRelease.Parse(OsReleaseSamples.All[sample])).Should().Be(expected, "the library");
        (await LauncherAnswersAsync(file, [filter])).Single().Should().Be(expected, "the launcher");
    }

    [Fact]
    public async Task Both_say_when_a_bound_is_more_precise_than_the_hosts_version()
    {
        using var dir = new TempDirectory("osrel");
        var file = dir.WriteFile("os-release", OsReleaseSamples.All["centos-7"]);

        var act = () => OsReleaseFilter.Parse("centos>=7.6").EnsureMatches(OsRelease.Parse(OsReleaseSamples.All["centos-7"]), "c7");
        var r = await RunCheckAsync(file, "centos>=7.6");

        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.OsReleaseMismatch && e.Message.Contains("more precise than the host's version '7'", StringComparison.Ordinal)
            && e.Message.Contains("'centos>=7'", StringComparison.Ordinal) && e.Message.Contains("/etc/redhat-release", StringComparison.Ordinal));
        r.Exit.Should().Be(1);
        r.Err.Should().Contain("the bound centos>=7.6 is more precise than the host version 7");
    }

    [Fact]
    public async Task Both_suggest_the_family_form_when_id_like_would_match()
    {
        using var dir = new TempDirectory("osrel");
        var file = dir.WriteFile("os-release", OsReleaseSamples.All["rocky-8.9"]);

        var act = () => OsReleaseFilter.Parse("centos>=8").EnsureMatches(OsRelease.Parse(OsReleaseSamples.All["rocky-8.9"]), "r8");
        var r = await RunCheckAsync(file, "centos>=8");

        act.Should().Throw<DeployException>().Where(e => e.Message.Contains("write 'like:centos>=8' in os_release", StringComparison.Ordinal) && e.Message.Contains("'rocky' 8.9", StringComparison.Ordinal));
        r.Exit.Should().Be(1);
        r.Err.Should().Contain("write 'like:centos>=8' in os_release").And.Contain("this host is 'rocky' 8.9");
    }

    [Fact]
    public async Task Neither_suggests_the_family_form_when_it_would_not_match_either()
    {
        using var dir = new TempDirectory("osrel");
        var file = dir.WriteFile("os-release", OsReleaseSamples.All["anolis-7.9"]);

        var act = () => OsReleaseFilter.Parse("centos>=8").EnsureMatches(OsRelease.Parse(OsReleaseSamples.All["anolis-7.9"]));
        var r = await RunCheckAsync(file, "centos>=8");

        act.Should().Throw<DeployException>().Where(e => !e.Message.Contains("like:", StringComparison.Ordinal));
        r.Exit.Should().Be(1);
        r.Err.Should().NotContain("like:");
    }

    private static async Task<List<bool>> LauncherAnswersAsync(string file, IReadOnlyList<string> filters, string? awkDirectory = null)
    {
        var path = awkDirectory is null ? "" : $"PATH='{awkDirectory}':$PATH\n";
        var script = path + LauncherScript.OsReleaseCheck + "f=$1; shift\nfor r in \"$@\"; do if check_os_release \"$r\" \"$f\" 2>/dev/null; then echo 1; else echo 0; fi; done\n";
        var r = await TestPackages.RunAsync("/bin/sh", ["-c", script, "sh", file, .. filters]);
        r.Exit.Should().Be(0, r.Err);
        return r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l == "1").ToList();
    }

    private static Task<(int Exit, string Out, string Err)> RunCheckAsync(string file, string filter)
        => TestPackages.RunAsync("/bin/sh", "-c", LauncherScript.OsReleaseCheck + "set -u\ncheck_os_release \"$1\" \"$2\"\n", "sh", filter, file);
}
