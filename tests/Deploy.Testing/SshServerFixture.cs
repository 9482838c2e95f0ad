namespace Deploy.Testing;

/// <summary>One <see cref="SshServer"/> shared by the tests of a class (<c>IClassFixture&lt;SshServerFixture&gt;</c>).</summary>
public class SshServerFixture : IAsyncLifetime
{
    private SshServer? _server;

    /// <summary>The running server.</summary>
    public SshServer Server => _server ?? throw new InvalidOperationException("The SSH server fixture has not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await SshServer.StartAsync(LoginShell);

    /// <summary>Whether logins run the machine's rc files. <value>The default is <see cref="Testing.LoginShell.Machine"/>.</value></summary>
    protected virtual LoginShell LoginShell => LoginShell.Machine;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// An <see cref="SshServerFixture"/> whose logins skip the machine's rc files: for the managed transport, which starts
/// a login shell per command (this machine's rc files wait up to a second on a pyenv lock each time).
/// </summary>
public sealed class CleanShellSshServerFixture : SshServerFixture
{
    /// <inheritdoc />
    protected override LoginShell LoginShell => LoginShell.Clean;
}
