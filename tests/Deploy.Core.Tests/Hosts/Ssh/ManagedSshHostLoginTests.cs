using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>One isolated host whose sshd accepts the <c>deploy</c> user's password (root still needs its key).</summary>
public sealed class PasswordLoginHostsFixture(IMessageSink sink) : IsolatedHostsFixture(sink)
{
    protected override IReadOnlyList<IsolatedHostSpec> Specs => [IsolatedHostSpec.Of("pw", OsReleases.Debian12)];

    protected override IsolatedHostsOptions Options => new() { PasswordLogin = true };
}

/// <summary>Password logins on the managed transport, against a real sshd with <c>PasswordAuthentication yes</c>.</summary>
[Trait("Category", "Integration")]
public sealed class ManagedSshHostLoginTests : IClassFixture<PasswordLoginHostsFixture>
{
    private readonly IsolatedHost _host;

    public ManagedSshHostLoginTests(PasswordLoginHostsFixture fixture, ITestOutputHelper output)
    {
        fixture.Report(output);
        fixture.Hosts.RequireIsolation();
        _host = fixture.Hosts["pw"];
    }

    [Fact]
    public async Task Password_from_an_environment_variable_logs_in_without_any_key()
    {
        var variable = "DEPLOY_TEST_PW_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, _host.Password);
        try
        {
            await using var host = Create(SshSecret.FromEnvironment(variable));

            var result = await host.RunAsync(CommandSpec.Of("id", "-un"));

            result.StandardOutput.Should().Be(_host.User + "\n");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Password_from_a_file_and_from_a_callback_log_in_too()
    {
        var file = Path.Combine(Path.GetTempPath(), "deploy-pw-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(file, _host.Password + "\n");
        try
        {
            await using var fromFile = Create(SshSecret.FromFile(file));
            (await fromFile.RunAsync(CommandSpec.Of("id", "-un"))).StandardOutput.Should().Be(_host.User + "\n");
        }
        finally
        {
            File.Delete(file);
        }

        var calls = 0;
        await using var fromCallback = Create(SshSecret.FromCallback(_ => { calls++; return ValueTask.FromResult(_host.Password!); }, "vault lookup"));
        (await fromCallback.RunAsync(CommandSpec.Of("id", "-un"))).StandardOutput.Should().Be(_host.User + "\n");
        calls.Should().Be(1, "the secret is read once per connection");
    }

    [Fact]
    public async Task Wrong_password_is_AuthenticationFailed_and_the_password_is_nowhere_in_the_message_or_the_log()
    {
        const string wrong = "Wr0ng-Passw0rd-7c1e";
        var logger = new CapturingLogger<ManagedSshHost>();
        await using var host = Create(SshSecret.FromCallback(_ => ValueTask.FromResult(wrong)), logger);

        var act = () => host.RunAsync(CommandSpec.Of("true"));

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.AuthenticationFailed);
        e.Host.Should().Be(host.Name);
        e.ToString().Should().NotContain(wrong);
        e.ToString().Should().NotContain(_host.Password);
        logger.Messages.Should().NotContain(m => m.Contains(wrong, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unset_password_variable_is_AuthenticationFailed_naming_the_variable()
    {
        await using var host = Create(SshSecret.FromEnvironment("DEPLOY_TEST_PW_UNSET_4f2a"));

        var act = () => host.RunAsync(CommandSpec.Of("true"));

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.AuthenticationFailed);
        e.Message.Should().Contain("DEPLOY_TEST_PW_UNSET_4f2a");
    }

    private ManagedSshHost Create(SshSecret password, CapturingLogger<ManagedSshHost>? logger = null)
        => new(_host.HostOptions(_host.User) with { IdentityFile = null, Password = password, Transport = SshTransport.Managed, RetryAttempts = 0 }, logger);
}
