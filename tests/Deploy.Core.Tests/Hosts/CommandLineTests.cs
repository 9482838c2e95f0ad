using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts;

public class CommandLineTests
{
    [Theory]
    [MemberData(nameof(HostileNames.Arguments), MemberType = typeof(HostileNames))]
    public async Task Quoted_argument_reaches_the_program_unchanged_through_sh(string argument)
    {
        using var dir = new TempDirectory();
        var host = new LocalHost(new LocalHostOptions());
        var line = CommandLine.Join(["printf", "%s", argument]);

        var result = await host.RunAsync(CommandSpec.Of("/bin/sh", "-c", line).InDirectory(dir.Path));

        result.ExitCode.Should().Be(0);
        result.StandardOutput.Should().Be(argument);
        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty("nothing in the argument may execute");
    }

    [Fact]
    public void Safe_words_stay_readable_and_the_rest_is_single_quoted()
    {
        CommandLine.Quote("/opt/app-1.2_x").Should().Be("/opt/app-1.2_x");
        CommandLine.Quote("it's").Should().Be("'it'\\''s'");
        CommandLine.Quote("").Should().Be("''");
        CommandLine.Quote("A=B").Should().Be("'A=B'", "a first word must never become an assignment");
    }

    [Fact]
    public async Task Build_sets_environment_and_working_directory_without_interpreting_values()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("my dir"));
        var host = new LocalHost();
        var line = CommandLine.Build(["sh", "-c", "pwd; printf %s \"$X\""], new Dictionary<string, string> { ["X"] = "$(id) `id` 'q'" }, dir.Combine("my dir"));

        var result = await host.RunAsync(CommandSpec.Of("/bin/sh", "-c", line));

        result.StandardOutput.Should().Be(dir.Combine("my dir") + "\n$(id) `id` 'q'");
    }

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("A B")]
    public void Invalid_variable_names_are_rejected(string name)
    {
        var act = () => CommandLine.ValidateVariableName(name);
        act.Should().Throw<ArgumentException>().WithMessage($"*{name}*");
    }
}
