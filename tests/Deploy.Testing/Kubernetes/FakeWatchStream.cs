using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// A watch response: one JSON event per line, replayed from the requested resourceVersion then live, with
/// <c>BOOKMARK</c> events (the current resourceVersion) when the client allows them, ended by
/// <c>timeoutSeconds</c>, by the client, or by <see cref="FakeStore.DropWatches"/>. A resourceVersion older than the
/// store's compaction gets, as from a real server, a 200 whose one event is an <c>ERROR</c> with a 410 Status.
/// </summary>
public static class FakeWatchStream
{
    public static async Task RunAsync(HttpContext http, FakeStore store, FakeRoute route, TimeSpan bookmarkInterval)
    {
        var q = http.Request.Query;
        long? from = long.TryParse(q["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : null;
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var matches = FakeLabels.Matcher(q["labelSelector"].ToString());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        if (int.TryParse(q["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        (IReadOnlyList<FakeWatchEvent> Replay, System.Threading.Channels.ChannelReader<FakeWatchEvent> Live, Action Stop) watch;
        try
        {
            watch = store.Watch(route.Resource, route.Namespace, from);
        }
        catch (FakeApiError gone)
        {
            await WriteAsync(http, "ERROR", gone.ToStatus()).ConfigureAwait(false);
            return;
        }

        try
        {
            foreach (var e in watch.Replay.Where(e => matches?.Invoke(e.Object) ?? true))
            {
                await WriteAsync(http, e.Type, e.Object).ConfigureAwait(false);
            }

            var ct = timeout.Token;
            Task<bool>? waiting = null;
            while (!ct.IsCancellationRequested)
            {
                waiting ??= watch.Live.WaitToReadAsync(ct).AsTask();
                var tick = bookmarks ? Task.Delay(bookmarkInterval, ct) : Task.Delay(Timeout.Infinite, ct);
                var done = await Task.WhenAny(waiting, tick).ConfigureAwait(false);
                if (done == tick)
                {
                    if (tick.IsCanceled)
                    {
                        break;
                    }

                    await WriteAsync(http, "BOOKMARK", new JsonObject
                    {
                        ["kind"] = route.Resource.Kind, ["apiVersion"] = route.Resource.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
                    }).ConfigureAwait(false);
                    continue;
                }

                if (waiting.IsCanceled || !await waiting.ConfigureAwait(false))
                {
                    break;   // dropped by the store, or cancelled
                }

                waiting = null;
                while (watch.Live.TryRead(out var e))
                {
                    if (e.Resource == route.Resource && (route.Namespace is null || e.Namespace == route.Namespace) && (matches?.Invoke(e.Object) ?? true))
                    {
                        await WriteAsync(http, e.Type, e.Object).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the client went away or timeoutSeconds passed: the watch ends as on a real server
        }
        finally
        {
            watch.Stop();
        }
    }

    private static async Task WriteAsync(HttpContext http, string type, JsonObject obj)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        await http.Response.WriteAsync(line, http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }
}
