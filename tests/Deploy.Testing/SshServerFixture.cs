namespace Deploy.Testing;

/// <summary>One <see cref="SshServer"/> shared by the tests of a class (<c>IClassFixture&lt;SshServerFixture&gt;</c>).</summary>
public sealed class SshServerFixture : IAsyncLifetime
{
    private SshServer? _server;

    /// <summary>The running server.</summary>
    public SshServer Server => _server ?? throw new InvalidOperationException("The SSH server fixture has not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await SshServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
