using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// A FAKE of the Kubernetes API server for tests, in process on Kestrel at https://127.0.0.1:&lt;port&gt; with a
/// certificate from a throwaway CA and one bearer token. It is faithful on what Deploy.Kubernetes uses (discovery,
/// CRUD, server-side apply with managedFields and conflicts, dry run, resourceVersion concurrency, watch with
/// bookmarks and 410 Gone, Leases); real <c>kubectl</c> agrees with it (see KubectlAgreementTests). It has no
/// admission, no validation, no RBAC, no garbage collection, no list merging by key.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly FakeCertificates certificates = new();
    private string address = "";

    private FakeApiServer(TimeProvider time, TimeSpan bookmarkInterval)
    {
        Store = new FakeStore(time);
        Token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        Handler = new FakeApiHandler(Store, Token, () => address, bookmarkInterval);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificates.Server)));
        app = builder.Build();
        app.Run(Handler.HandleAsync);
    }

    /// <summary>The objects, history and watches.</summary>
    public FakeStore Store { get; }

    /// <summary>The HTTP side (request log).</summary>
    public FakeApiHandler Handler { get; }

    /// <summary>The bearer token the server accepts.</summary>
    public string Token { get; }

    /// <summary>The server URL, <c>https://127.0.0.1:port</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Starts a server; bookmarks are sent every <paramref name="bookmarkInterval"/> (default 200 ms) on idle watches.</summary>
    public static async Task<FakeApiServer> StartAsync(TimeProvider? time = null, TimeSpan? bookmarkInterval = null)
    {
        var server = new FakeApiServer(time ?? TimeProvider.System, bookmarkInterval ?? TimeSpan.FromMilliseconds(200));
        await server.app.StartAsync().ConfigureAwait(false);
        var bound = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(bound);
        server.address = $"{server.Url.Host}:{server.Url.Port}";
        return server;
    }

    /// <summary>A kubeconfig for this server: cluster <c>fake</c>, user <c>tester</c> (the token), context <c>fake</c>
    /// with namespace <paramref name="ns"/>.</summary>
    public string Kubeconfig(string ns = "default", string? token = null)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(certificates.AuthorityPem));
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {Url.ToString().TrimEnd('/')}
                certificate-authority-data: {ca}
            users:
            - name: tester
              user:
                token: {token ?? Token}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: tester
                namespace: {ns}
            current-context: fake
            preferences: {"{}"}
            """;
    }

    /// <summary>Writes <see cref="Kubeconfig"/> to a file and returns its path.</summary>
    public async Task<string> WriteKubeconfigAsync(string directory, string ns = "default")
    {
        var path = Path.Combine(directory, "kubeconfig");
        await File.WriteAllTextAsync(path, Kubeconfig(ns)).ConfigureAwait(false);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        Store.DropWatches();
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        certificates.Dispose();
    }
}
