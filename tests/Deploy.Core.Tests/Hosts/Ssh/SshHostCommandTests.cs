using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

[Trait("Category", "Integration")]
public sealed class SshHostCommandTests : IClassFixture<SshServerFixture>, IAsyncLifetime
{
    private readonly SshServer _server;
    private SshHost _host = null!;

    public SshHostCommandTests(SshServerFixture fixture) => _server = fixture.Server;

    public Task InitializeAsync()
    {
        _host = _server.CreateHost();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [MemberData(nameof(HostileNames.Arguments), MemberType = typeof(HostileNames))]
    public async Task Hostile_argument_arrives_unchanged_and_nothing_in_it_executes(string argument)
    {
        using var dir = new TempDirectory("ssh-args");

        var result = await _host.RunAsync(CommandSpec.Of("printf", "%s", argument).InDirectory(dir.Path));

        result.ExitCode.Should().Be(0);
        result.StandardOutput.Should().Be(argument);
        Directory.EnumerateFileSystemEntries(dir.Path).Should().BeEmpty("nothing in the argument may execute");
    }

    [Fact]
    public async Task Environment_and_working_directory_with_hostile_values_reach_the_command()
    {
        using var dir = new TempDirectory("ssh-env");
        var sub = Path.Combine(dir.Path, "中文 $(x) 'q'");
        Directory.CreateDirectory(sub);

        var result = await _host.RunAsync(CommandSpec.Of("sh", "-c", "pwd; printf '%s' \"$DEPLOY_VALUE\"")
            .InDirectory(sub)
            .WithEnvironment("DEPLOY_VALUE", "v $(touch pwned) `x` \n 值"));

        result.StandardOutput.Should().Be(sub + "\nv $(touch pwned) `x` \n 值");
        File.Exists(Path.Combine(sub, "pwned")).Should().BeFalse();
    }

    [Fact]
    public async Task Output_is_streamed_line_by_line_and_captured_exactly()
    {
        var lines = new List<OutputLine>();
        var result = await _host.RunAsync(CommandSpec.Of("sh", "-c", "echo one; echo two >&2; printf 'three\\r\\n\\nfour'; printf 'tail' >&2") with { OnOutput = lines.Add });

        result.StandardOutput.Should().Be("one\nthree\r\n\nfour");
        result.StandardError.Should().Be("two\ntail");
        lines.Where(l => l.Stream == OutputStream.StandardOutput).Select(l => l.Text).Should().Equal("one", "three", "", "four");
        lines.Where(l => l.Stream == OutputStream.StandardError).Select(l => l.Text).Should().Equal("two", "tail");
    }

    [Fact]
    public async Task Large_output_and_output_without_newlines_are_captured_whole()
    {
        var result = await _host.RunAsync(CommandSpec.Of("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' 'x'; seq 1 20000"));

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
        var result = await _host.RunAsync(CommandSpec.Of("sh", "-c", "exit " + code));

        result.ExitCode.Should().Be(code);
    }

    [Fact]
    public async Task Failure_becomes_an_exception_only_when_asked()
    {
        var act = () => _host.RunAsync(CommandSpec.Of("sh", "-c", "echo boom >&2; exit 3")).ThrowOnFailure();

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
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

        var result = await _host.RunAsync(CommandSpec.Of("sha256sum") with { StandardInput = input });

        result.StandardOutput.Should().StartWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task Commands_see_empty_standard_input_by_default()
    {
        var result = await _host.RunAsync(CommandSpec.Of("wc", "-c"));

        result.StandardOutput.Trim().Should().Be("0");
    }

    [Fact]
    public async Task Timeout_kills_the_remote_command_and_its_children()
    {
        var tag = "ssh-timeout-" + Guid.NewGuid().ToString("N")[..8];
        var act = () => _host.RunAsync(CommandSpec.Of("sh", "-c", "sleep 300 & sleep 301; echo " + tag) with { Timeout = TimeSpan.FromSeconds(1) });

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.Timeout);
        (await SleepersOf(tag)).Should().BeEmpty("the command and its background child must be killed");

        var after = await _host.RunAsync(CommandSpec.Of("echo", "still usable"));
        after.StandardOutput.Should().Be("still usable\n");
    }

    [Fact]
    public async Task Cancellation_kills_the_remote_command()
    {
        var tag = "ssh-cancel-" + Guid.NewGuid().ToString("N")[..8];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var act = () => _host.RunAsync(CommandSpec.Of("sh", "-c", "sleep 302; echo " + tag), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await SleepersOf(tag)).Should().BeEmpty();
    }

    [Fact]
    public async Task Timeout_kills_a_command_that_reads_standard_input()
    {
        var tag = "ssh-stdin-timeout-" + Guid.NewGuid().ToString("N")[..8];
        using var input = new MemoryStream([1, 2, 3]);
        var act = () => _host.RunAsync(CommandSpec.Of("sh", "-c", "cat >/dev/null; sleep 303; echo " + tag) with { StandardInput = input, Timeout = TimeSpan.FromSeconds(1) });

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.Timeout);
        (await SleepersOf(tag)).Should().BeEmpty();
    }

    [Fact]
    public async Task Concurrent_commands_each_get_their_own_output()
    {
        var tasks = Enumerable.Range(0, 24).Select(i => _host.RunAsync(CommandSpec.Of("sh", "-c", $"sleep 0.0{i % 10}; echo out{i}; echo err{i} >&2; exit {i}"))).ToArray();

        var results = await Task.WhenAll(tasks);

        for (var i = 0; i < results.Length; i++)
        {
            results[i].StandardOutput.Should().Be($"out{i}\n");
            results[i].StandardError.Should().Be($"err{i}\n");
            results[i].ExitCode.Should().Be(i);
        }
    }

    [Fact]
    public async Task Commands_reuse_one_master_connection()
    {
        for (var i = 0; i < 20; i++)
        {
            await _host.RunAsync(CommandSpec.Of("true"));
        }

        var connections = await _host.RunAsync(CommandSpec.Of("sh", "-c", "echo $SSH_CONNECTION"));
        var first = connections.StandardOutput;
        for (var i = 0; i < 5; i++)
        {
            (await _host.RunAsync(CommandSpec.Of("sh", "-c", "echo $SSH_CONNECTION"))).StandardOutput.Should().Be(first, "every command rides the same TCP connection");
        }

        using var input = new MemoryStream([1]);
        (await _host.RunAsync(CommandSpec.Of("sh", "-c", "cat >/dev/null; echo $SSH_CONNECTION") with { StandardInput = input })).StandardOutput.Should().Be(first);
    }

    [Fact]
    public async Task Secrets_are_redacted_from_results_and_errors()
    {
        var result = await _host.RunAsync(CommandSpec.Of("sh", "-c", "exit 1", "sh", "hunter2-secret") with { Secrets = ["hunter2-secret"] });

        result.Command.Should().NotContain("hunter2-secret").And.Contain("***");
        var act = () => Task.FromResult(result.ThrowOnFailure());
        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().NotContain("hunter2-secret");
    }

    private async Task<IReadOnlyList<ProcessInfo>> SleepersOf(string tag)
    {
        // The kill is synchronous before the exception; allow the kernel a moment to reap.
        var sw = Stopwatch.StartNew();
        IReadOnlyList<ProcessInfo> found;
        do
        {
            found = await new LocalHost().FindProcessesAsync(ProcessQuery.ByCommandLine(tag));
            found = found.Where(p => p.Name is "sleep" or "sh").ToList();
            if (found.Count == 0)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (sw.Elapsed < TimeSpan.FromSeconds(3));

        var sleepers = (await new LocalHost().FindProcessesAsync(ProcessQuery.ByName("sleep"))).Where(p => p.CommandLine is "sleep 300" or "sleep 301" or "sleep 302" or "sleep 303").ToList();
        return [.. found, .. sleepers];
    }
}
