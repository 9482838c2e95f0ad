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
/// after a fraction of the file (the response ends early, as when a proxy drops a transfer), or fail the next N
/// requests for a path by resetting the connection or answering an error status.
/// </summary>
internal sealed class FeedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, double> _cuts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _failures = new(StringComparer.Ordinal);

    private int _failed;

    private FeedServer(string root, WebApplication app)
    {
        Root = root;
        _app = app;
    }

    public string Root { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>Bytes of file bodies sent, per feed path.</summary>
    public ConcurrentDictionary<string, long> BytesSent { get; } = new(StringComparer.Ordinal);

    /// <summary>Requests received, per feed path (failed ones included).</summary>
    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>Requests answered by a reset or an error status (see <see cref="FailNext"/>).</summary>
    public int Failed => _failed;

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

    /// <summary>The next <paramref name="count"/> requests of <paramref name="path"/> fail: <paramref name="status"/> 0
    /// resets the connection (TCP RST, no answer), any other value is answered with no body.</summary>
    public void FailNext(string path, int count, int status = 0)
    {
        var queue = _failures.GetOrAdd(path, _ => new ConcurrentQueue<int>());
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = Uri.UnescapeDataString(context.Request.Path.Value!.TrimStart('/'));
        Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (_failures.TryGetValue(path, out var failures) && failures.TryDequeue(out var status))
        {
            Interlocked.Increment(ref _failed);
            if (status == 0)
            {
                context.Abort();
            }
            else
            {
                context.Response.StatusCode = status;
            }

            return;
        }

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
