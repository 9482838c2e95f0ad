using Deploy.Core.Errors;
using Microsoft.Extensions.Logging;
using Renci.SshNet;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// The one SSH.NET connection to a host, shared by every command (each on its own channel): opened on first use,
/// through the jump host when there is one, with keep-alives; checked and replaced when an operation saw it fail.
/// </summary>
internal sealed class ManagedConnection : IAgentSessionSource, IAsyncDisposable
{
    private readonly SshHostOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile Link? _link;
    private volatile bool _suspect;

    public ManagedConnection(SshHostOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public string Name => _options.DisplayName;

    /// <summary>How many connections were opened so far (tests: one connection serves every command).</summary>
    public int Connects { get; private set; }

    /// <inheritdoc />
    public bool IsSuspect => _suspect;

    /// <inheritdoc />
    public Func<ValueTask>? BeforeReconnect { get; set; }

    /// <summary>Records that an operation saw the transport fail: the next use checks the connection first.</summary>
    public void MarkSuspect() => _suspect = true;

    /// <summary>Opens a channel running <paramref name="line"/>; see <see cref="ManagedChannel.Start"/>.</summary>
    public async Task<ManagedChannel> StartChannelAsync(string line, string display, bool input, CancellationToken cancellationToken)
    {
        var client = await GetClientAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ManagedChannel.Start(client, AgentSession.NewJobId(), line, input);
        }
        catch (Exception e) when (ManagedErrors.IsTransport(e))
        {
            MarkSuspect();
            throw ManagedErrors.Transport(Name, e, display);
        }
    }

    /// <inheritdoc />
    public async Task<AgentSession> StartSessionAsync(int id, CancellationToken cancellationToken)
    {
        const string display = "agent session";
        var channel = await StartChannelAsync("exec /bin/sh -c " + CommandLine.Quote(AgentSession.Script), display, input: true, cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new AgentSession(new ManagedAgentTransport(channel), id);
        }
        catch (Exception e)
        {
            channel.Dispose();
            if (e is IOException || ManagedErrors.IsTransport(e))
            {
                MarkSuspect();
                throw ManagedErrors.Transport(Name, e, display);
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async Task KillJobAsync(string jobId)
    {
        try
        {
            using var killer = await StartChannelAsync(CommandLine.Join(RemoteScripts.KillJob.ToCommand([jobId]).Argv), "kill job", input: false, CancellationToken.None).ConfigureAwait(false);
            killer.Input.Dispose();
            await killer.DrainAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        }
        catch (DeployException)
        {
            // The connection is gone, and with it the job's channel.
        }
    }

    /// <summary>The connected client, connecting (or reconnecting after a failure) first when needed.</summary>
    public async Task<SshClient> GetClientAsync(CancellationToken cancellationToken)
    {
        if (_link is { } ready && !_suspect && ready.Client.IsConnected)
        {
            return ready.Client;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_link is { } current)
            {
                if (current.Client.IsConnected && (!_suspect || Probe(current.Client)))
                {
                    _suspect = false;
                    return current.Client;
                }

                current.Dispose();
                _link = null;
                if (BeforeReconnect is { } drop)
                {
                    await drop().ConfigureAwait(false);
                }
            }

            var start = _options.TimeProvider.GetTimestamp();
            using var limit = new CancellationTokenSource(_options.ConnectTimeout + TimeSpan.FromSeconds(20), _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            var link = await ConnectAsync(linked.Token).ConfigureAwait(false);
            SshLog.MasterStarted(_logger, Name, _options.TimeProvider.GetElapsedTime(start).TotalMilliseconds);
            Connects++;
            _link = link;
            _suspect = false;
            return link.Client;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Closes the connection (and the jump host's).</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _link, null) is { } link)
        {
            link.Dispose();
            SshLog.MasterClosed(_logger, Name);
        }

        return ValueTask.CompletedTask;
    }

    // SSH.NET sees a dropped socket on its own (its keep-alives find a silent one): a client that still says it is
    // connected after a failed operation is kept, and the failure was the channel's.
    private static bool Probe(SshClient client) => client.IsConnected;

    private async Task<Link> ConnectAsync(CancellationToken cancellationToken)
    {
        var user = _options.User ?? Environment.UserName;
        var target = KnownHosts.HostName(_options.Address, _options.Port);
        var credentials = new ManagedCredentials(_options, Name);
        if (_options.ProxyJump is not { } jump)
        {
            return new Link(await OpenAsync(_options.Address, _options.Port, target, Name, await credentials.MethodsAsync(user, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false), null, null);
        }

        // ProxyJump: a local port on loopback forwarded through the jump host to the target; the target's host key
        // is still checked under the target's own name.
        var (jumpUser, jumpHost, jumpPort) = ParseJump(jump, user);
        var jumpName = jumpUser + "@" + jumpHost + ":" + jumpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var jumpClient = await OpenAsync(jumpHost, jumpPort, KnownHosts.HostName(jumpHost, jumpPort), jumpName, await credentials.MethodsAsync(jumpUser, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        ForwardedPortLocal? forward = null;
        try
        {
            forward = new ForwardedPortLocal("127.0.0.1", 0, _options.Address, (uint)_options.Port);
            jumpClient.AddForwardedPort(forward);
            forward.Start();
            var client = await OpenAsync("127.0.0.1", (int)forward.BoundPort, target, Name, await credentials.MethodsAsync(user, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return new Link(client, jumpClient, forward);
        }
        catch
        {
            forward?.Dispose();
            jumpClient.Dispose();
            throw;
        }
    }

    /// <summary>Offers SSH.NET's ciphers in the order <paramref name="preference"/> asks for (<see cref="SshCiphers"/>).</summary>
    private static void PreferCiphers(ConnectionInfo info, SshCipherPreference preference)
    {
        if (!SshCiphers.Reorders(preference) || SshCiphers.AesGcmFirst([.. info.Encryptions.Keys]) is not { } order)
        {
            return;
        }

        var ciphers = info.Encryptions.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        info.Encryptions.Clear();
        foreach (var name in order)
        {
            info.Encryptions.Add(name, ciphers[name]);
        }
    }

    private async Task<SshClient> OpenAsync(string address, int port, string knownHostsName, string display, AuthenticationMethod[] methods, CancellationToken cancellationToken)
    {
        var info = new ConnectionInfo(address, port, methods[0].Username, methods) { Timeout = _options.ConnectTimeout };
        var check = new ManagedHostKeyCheck(_options.KnownHostsFile, _options.HostKeyPolicy, knownHostsName);
        check.PreferKnownTypes(info);
        PreferCiphers(info, _options.CipherPreference);
        var client = new SshClient(info) { KeepAliveInterval = _options.KeepAliveInterval };
        client.HostKeyReceived += check.OnHostKeyReceived;
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw ManagedErrors.Connect(display, e, check.Verdict is KnownHosts.Verdict.Known ? null : check.Verdict);
        }
    }

    /// <summary>Parses one ProxyJump hop: <c>[user@]host[:port]</c>.</summary>
    internal static (string User, string Host, int Port) ParseJump(string jump, string defaultUser)
    {
        if (jump.Contains(',', StringComparison.Ordinal) || jump.Contains("://", StringComparison.Ordinal))
        {
            throw new DeployException(DeployErrorCode.InvalidArgument, $"The managed SSH transport supports one jump host as [user@]host[:port]; found '{jump}'.");
        }

        var at = jump.LastIndexOf('@');
        var user = at > 0 ? jump[..at] : defaultUser;
        var hostPort = jump[(at + 1)..];
        var port = 22;
        var colon = hostPort.LastIndexOf(':');
        if (colon > 0 && !hostPort.EndsWith(']'))
        {
            if (!int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"The jump host '{jump}' has an invalid port.");
            }

            hostPort = hostPort[..colon];
        }

        return (user, hostPort.Trim('[', ']'), port);
    }

    /// <summary>A live connection: the client, and the jump host's client and forwarded port when there is one.</summary>
    private sealed record Link(SshClient Client, SshClient? Jump, ForwardedPortLocal? Forward) : IDisposable
    {
        public void Dispose()
        {
            Client.Dispose();
            Forward?.Dispose();
            Jump?.Dispose();
        }
    }
}
