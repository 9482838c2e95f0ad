using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Testing.Hosts;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>
/// One isolated host whose sshd takes the <c>deploy</c> user's password only through keyboard-interactive (PAM), with
/// <c>PasswordAuthentication no</c>.
/// </summary>
public sealed class KeyboardInteractiveHostsFixture(IMessageSink sink) : IsolatedHostsFixture(sink)
{
    protected override IReadOnlyList<IsolatedHostSpec> Specs => [IsolatedHostSpec.Of("kbd", OsReleases.Debian12)];

    protected override IsolatedHostsOptions Options => new() { KeyboardInteractiveLogin = true };
}

/// <summary>
/// Keyboard-interactive logins on the managed transport, against a real sshd whose only password method is PAM's
/// keyboard-interactive: the servers many customers run (password logins switched off, PAM asking instead).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ManagedSshHostKeyboardInteractiveTests : IClassFixture<KeyboardInteractiveHostsFixture>
{
    private readonly IsolatedHost _host;

    public ManagedSshHostKeyboardInteractiveTests(KeyboardInteractiveHostsFixture fixture, ITestOutputHelper output)
    {
        fixture.Report(output);
        fixture.Hosts.RequireIsolation();
        _host = fixture.Hosts["kbd"];
    }

    [Fact]
    public async Task Password_answers_the_keyboard_interactive_prompt_when_password_authentication_is_off()
    {
        await using var host = Create(SshSecret.FromCallback(_ => ValueTask.FromResult(_host.Password!), "checklist"));

        var result = await host.RunAsync(CommandSpec.Of("id", "-un"));

        result.ExitCode.Should().Be(0);
        result.StandardOutput.Trim().Should().Be(_host.User);
    }

    [Fact]
    public async Task Wrong_password_at_the_keyboard_interactive_prompt_is_AuthenticationFailed_and_never_shown()
    {
        const string wrong = "Kbd-Wr0ng-9d3a";
        var logger = new CapturingLogger<ManagedSshHost>();
        await using var host = Create(SshSecret.FromCallback(_ => ValueTask.FromResult(wrong)), logger);

        var act = () => host.RunAsync(CommandSpec.Of("true"));

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.AuthenticationFailed);
        e.Host.Should().Be(host.Name);
        e.ToString().Should().NotContain(wrong).And.NotContain(_host.Password);
        logger.Messages.Should().NotContain(m => m.Contains(wrong, StringComparison.Ordinal));
    }

    private ManagedSshHost Create(SshSecret password, CapturingLogger<ManagedSshHost>? logger = null)
        => new(_host.HostOptions(_host.User) with { IdentityFile = null, Password = password, Transport = SshTransport.Managed, RetryAttempts = 0 }, logger);
}
