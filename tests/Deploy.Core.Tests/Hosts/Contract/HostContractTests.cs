using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Contract;

/// <summary>
/// The <see cref="IHost"/> contract, run against every implementation (<see cref="LocalHostContractTests"/>,
/// <see cref="OpenSshHostContractTests"/>, <see cref="ManagedSshHostContractTests"/>): commands here, files and
/// uploads in the other parts. Every host under test runs on this machine, so a target path is also checked with
/// local file APIs through <see cref="OnMachine"/>.
/// </summary>
[Trait("Category", "Integration")]
public abstract partial class HostContractTests : IAsyncLifetime
{
    /// <summary>The machine directory the test works in (the sandbox of a rooted local host).</summary>
    protected TempDirectory Scratch { get; } = new("host-contract");

    /// <summary>Local files to upload.</summary>
    protected TempDirectory Local { get; } = new("host-contract-src");

    /// <summary>The host under test.</summary>
    protected IHost Host { get; private set; } = null!;

    /// <summary>The target path (an existing, empty directory) the test works in.</summary>
    protected abstract string Root { get; }

    /// <summary>Creates the host under test.</summary>
    protected abstract IHost CreateHost();

    /// <summary>Where a target path is on this machine.</summary>
    protected abstract string OnMachine(string targetPath);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(OnMachine(Root));
        Host = CreateHost();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Scratch.Dispose();
        Local.Dispose();
    }

    [Theory]
    [MemberData(nameof(HostileNames.Arguments), MemberType = typeof(HostileNames))]
    public async Task Hostile_argument_arrives_unchanged_and_nothing_in_it_executes(string argument)
    {
        var result = await Host.RunAsync(CommandSpec.Of("printf", "%s", argument).InDirectory(Root));

        result.ExitCode.Should().Be(0);
        result.StandardOutput.Should().Be(argument);
        Directory.EnumerateFileSystemEntries(OnMachine(Root)).Should().BeEmpty("nothing in the argument may execute");
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(70_000)]
    public async Task Long_command_lines_with_hostile_arguments_arrive_whole_and_the_next_command_still_runs(int length)
    {
        var argument = string.Concat(Enumerable.Repeat("中文 '$(touch pwned)'\n\\", length / 20));

        var result = await Host.RunAsync(CommandSpec.Of("printf", "%s", argument).InDirectory(Root));
        var next = await Host.RunAsync(CommandSpec.Of("echo", "next"));

        (result.ExitCode, next.StandardOutput).Should().Be((0, "next\n"));
        result.StandardOutput.Should().Be(argument);
        Directory.EnumerateFileSystemEntries(OnMachine(Root)).Should().BeEmpty("nothing in the argument may execute");
    }

    [Fact]
    public async Task Environment_and_working_directory_with_hostile_values_reach_the_command()
    {
        var sub = Root + "/中文 $(x) 'q'";
        Directory.CreateDirectory(OnMachine(sub));

        var result = await Host.RunAsync(CommandSpec.Of("sh", "-c", "pwd; printf '%s' \"$DEPLOY_VALUE\"")
            .InDirectory(sub)
            .WithEnvironment("DEPLOY_VALUE", "v $(touch pwned) `x` \n 值"));

        result.StandardOutput.Should().Be(OnMachine(sub) + "\nv $(touch pwned) `x` \n 值");
        File.Exists(OnMachine(sub + "/pwned")).Should().BeFalse();
    }

    [Fact]
    public async Task Output_is_streamed_line_by_line_and_captured_exactly()
    {
        var lines = new List<OutputLine>();
        var result = await Host.RunAsync(CommandSpec.Of("sh", "-c", "echo one; echo two >&2; printf 'three\\r\\n\\nfour'; printf 'tail' >&2") with { OnOutput = lines.Add });

        result.StandardOutput.Should().Be("one\nthree\r\n\nfour");
        result.StandardError.Should().Be("two\ntail");
        lines.Where(l => l.Stream == OutputStream.StandardOutput).Select(l => l.Text).Should().Equal("one", "three", "", "four");
        lines.Where(l => l.Stream == OutputStream.StandardError).Select(l => l.Text).Should().Equal("two", "tail");
    }

    [Fact]
    public async Task Large_output_and_output_without_newlines_are_captured_whole()
    {
        var result = await Host.RunAsync(CommandSpec.Of("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' 'x'; seq 1 20000"));

        var expected = new string('x', 3_000_000) + string.Concat(Enumerable.Range(1, 20000).Select(i => i + "\n"));
        (result.StandardOutput == expected).Should().BeTrue("the output must arrive byte for byte (length {0} vs {1})", result.StandardOutput.Length, expected.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(255)]
    public async Task Exit_codes_are_returned_not_thrown(int code)
    {
        var result = await Host.RunAsync(CommandSpec.Of("sh", "-c", "exit " + code));

        result.ExitCode.Should().Be(code);
    }

    [Fact]
    public async Task Failure_becomes_an_exception_only_when_asked()
    {
        var result = await Host.RunAsync(CommandSpec.Of("sh", "-c", "echo boom >&2; exit 3"));
        result.ExitCode.Should().Be(3);

        var e = result.Invoking(r => r.ThrowOnFailure()).Should().Throw<DeployException>().Which;
        e.Code.Should().Be(DeployErrorCode.CommandFailed);
        e.ExitCode.Should().Be(3);
        e.Message.Should().Contain("boom");
    }

    [Fact]
    public async Task Standard_input_is_fed_to_the_command_byte_for_byte()
    {
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        using var input = new MemoryStream(bytes);

        var result = await Host.RunAsync(CommandSpec.Of("sha256sum") with { StandardInput = input });

        result.StandardOutput.Should().StartWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task Commands_see_empty_standard_input_by_default()
    {
        var result = await Host.RunAsync(CommandSpec.Of("wc", "-c"));

        result.StandardOutput.Trim().Should().Be("0");
    }

    [Fact]
    public async Task Timeout_kills_the_command_and_its_children()
    {
        var tag = "contract-timeout-" + Guid.NewGuid().ToString("N")[..8];
        var n = UniqueSleep();
        var act = () => Host.RunAsync(CommandSpec.Of("sh", "-c", $"sleep {n} & sleep {n + 1}; echo {tag}") with { Timeout = TimeSpan.FromSeconds(1) });

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Timeout);
        (await SurvivorsAsync(tag, $"sleep {n}", $"sleep {n + 1}")).Should().BeEmpty("the command and its background child must be killed");
        (await Host.RunAsync(CommandSpec.Of("echo", "still usable"))).StandardOutput.Should().Be("still usable\n");
    }

    [Fact]
    public async Task Cancellation_kills_the_command()
    {
        var tag = "contract-cancel-" + Guid.NewGuid().ToString("N")[..8];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var n = UniqueSleep();
        var act = () => Host.RunAsync(CommandSpec.Of("sh", "-c", $"sleep {n}; echo {tag}"), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await SurvivorsAsync(tag, $"sleep {n}")).Should().BeEmpty();
    }

    [Fact]
    public async Task Timeout_kills_a_command_that_reads_standard_input()
    {
        var tag = "contract-stdin-timeout-" + Guid.NewGuid().ToString("N")[..8];
        using var input = new MemoryStream([1, 2, 3]);
        var n = UniqueSleep();
        var act = () => Host.RunAsync(CommandSpec.Of("sh", "-c", $"cat >/dev/null; sleep {n}; echo {tag}") with { StandardInput = input, Timeout = TimeSpan.FromSeconds(1) });

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Timeout);
        (await SurvivorsAsync(tag, $"sleep {n}")).Should().BeEmpty();
    }

    [Fact]
    public async Task Concurrent_commands_each_get_their_own_output()
    {
        var tasks = Enumerable.Range(0, 24).Select(i => Host.RunAsync(CommandSpec.Of("sh", "-c", $"sleep 0.0{i % 10}; echo out{i}; echo err{i} >&2; exit {i}"))).ToArray();

        var results = await Task.WhenAll(tasks);

        for (var i = 0; i < results.Length; i++)
        {
            results[i].StandardOutput.Should().Be($"out{i}\n");
            results[i].StandardError.Should().Be($"err{i}\n");
            results[i].ExitCode.Should().Be(i);
        }
    }

    [Fact]
    public async Task Secrets_are_redacted_from_results_and_errors()
    {
        var result = await Host.RunAsync(CommandSpec.Of("sh", "-c", "exit 1", "sh", "hunter2-secret") with { Secrets = ["hunter2-secret"] });

        result.Command.Should().NotContain("hunter2-secret").And.Contain("***");
        result.Invoking(r => r.ThrowOnFailure()).Should().Throw<DeployException>().Which.ToString().Should().NotContain("hunter2-secret");
    }

    /// <summary>A sleep duration no other test uses at the same time, so its survivors are this test's.</summary>
    private static int UniqueSleep() => Random.Shared.Next(100_000, 999_998);

    /// <summary>Processes of a killed command still alive (by a tag in their command line, or exact sleeper command lines).</summary>
    private static async Task<IReadOnlyList<ProcessInfo>> SurvivorsAsync(string tag, params string[] sleepers)
    {
        // The kill completes before the exception; allow the kernel a moment to reap.
        var local = new LocalHost();
        var sw = Stopwatch.StartNew();
        List<ProcessInfo> found;
        do
        {
            found = (await local.FindProcessesAsync(ProcessQuery.ByCommandLine(tag))).Where(p => p.Name is "sleep" or "sh").ToList();
            found.AddRange((await local.FindProcessesAsync(ProcessQuery.ByName("sleep"))).Where(p => sleepers.Contains(p.CommandLine)));
            if (found.Count == 0)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (sw.Elapsed < TimeSpan.FromSeconds(3));

        return found;
    }
}
