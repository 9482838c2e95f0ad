using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Deploy.Packaging.Tests.Agents;

/// <summary>
/// A real HTTP server (Kestrel, in process, 127.0.0.1, ephemeral port) serving a feed directory with
/// <c>Range: bytes=N-</c> support. It counts the bytes it sends per path, and can cut the next response for a path
/// after a fraction of the file (the response ends early, as when a proxy drops a transfer).
/// </summary>
internal sealed class FeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, double> _cuts = new(StringComparer.Ordinal);

    private FeedServer(string root, WebApplication app)
    {
        Root = root;
        _app = app;
    }

    public string Root { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>Bytes of file bodies sent, per feed path.</summary>
    public ConcurrentDictionary<string, long> BytesSent { get; } = new(StringComparer.Ordinal);

    /// <summary>Range headers received, per feed path.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<string>> Ranges { get; } = new(StringComparer.Ordinal);

    public static async Task<FeedServer> StartAsync(string root)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FeedServer(root, app);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Urls.Single() + "/");
        return server;
    }

    /// <summary>The next GET of <paramref name="path"/> ends after <paramref name="fraction"/> of the file.</summary>
    public void CutNext(string path, double fraction) => _cuts[path] = fraction;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = Uri.UnescapeDataString(context.Request.Path.Value!.TrimStart('/'));
        var file = Path.GetFullPath(Path.Combine(Root, path));
        if (!file.StartsWith(Path.GetFullPath(Root) + "/", StringComparison.Ordinal) || !File.Exists(file))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var bytes = await File.ReadAllBytesAsync(file);
        long start = 0;
        var range = context.Request.Headers.Range.ToString();
        if (range.Length > 0)
        {
            Ranges.GetOrAdd(path, _ => new ConcurrentQueue<string>()).Enqueue(range);
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
        }

        var end = (long)bytes.Length;
        if (_cuts.TryRemove(path, out var fraction))
        {
            // No Content-Length: the response is chunked and simply ends early.
            end = (long)(bytes.Length * fraction);
        }
        else
        {
            context.Response.ContentLength = bytes.Length - start;
        }

        context.Response.Headers.AcceptRanges = "bytes";
        var body = bytes.AsMemory((int)start, (int)Math.Max(0, end - start));
        await context.Response.Body.WriteAsync(body);
        BytesSent.AddOrUpdate(path, body.Length, (_, n) => n + body.Length);
    }
}
