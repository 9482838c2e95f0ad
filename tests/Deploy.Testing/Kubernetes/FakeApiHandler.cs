using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Deploy.Kubernetes.Manifests;
using Microsoft.AspNetCore.Http;

namespace Deploy.Testing.Kubernetes;

/// <summary>
/// The HTTP surface of the fake API server: bearer-token check, discovery, and for every resource the verbs get,
/// list, watch, create (POST), update (PUT, optimistic concurrency on resourceVersion), patch (server-side apply,
/// JSON merge patch; strategic merge is treated as merge), delete; pod logs (<c>pods/{name}/log</c>); <c>dryRun=All</c> on every write; the
/// <c>/status</c> subresource. Errors are <c>Status</c> objects with the code and reason a real server uses.
/// </summary>
public sealed class FakeApiHandler(FakeStore store, string token, Func<string> serverAddress, TimeSpan bookmarkInterval)
{
    /// <summary>Requests served, as <c>METHOD path?query</c> (for tests that count round trips).</summary>
    public List<string> Requests { get; } = [];

    public async Task HandleAsync(HttpContext http)
    {
        lock (Requests)
        {
            Requests.Add($"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}");
        }

        try
        {
            if (http.Request.Headers.Authorization.ToString() != $"Bearer {token}")
            {
                throw new FakeApiError(401, "Unauthorized", "Unauthorized");
            }

            var path = http.Request.Path.Value ?? "/";
            if (http.Request.Method == "GET" && FakeDiscovery.Answer(path, store.Resources, serverAddress()) is { } discovery)
            {
                await WriteJsonAsync(http, 200, discovery).ConfigureAwait(false);
                return;
            }

            var route = FakeRoute.Parse(path, store.Resources) ?? throw new FakeApiError(404, "NotFound", "the server could not find the requested resource");
            await DispatchAsync(http, route).ConfigureAwait(false);
        }
        catch (FakeApiError e)
        {
            await WriteJsonAsync(http, e.Code, e.ToStatus()).ConfigureAwait(false);
        }
    }

    private async Task DispatchAsync(HttpContext http, FakeRoute route)
    {
        var q = http.Request.Query;
        var dryRun = q["dryRun"].ToString() == "All";
        var manager = q["fieldManager"].ToString() is { Length: > 0 } m ? m : http.Request.Headers.UserAgent.ToString().Split('/')[0] is { Length: > 0 } ua ? ua : "unknown";
        var r = route.Resource;
        var ns = route.Namespace ?? "";
        switch (http.Request.Method, route.Name)
        {
            case ("GET", null) when q["watch"] is var w && (w == "true" || w == "1"):
                await FakeWatchStream.RunAsync(http, store, route, bookmarkInterval).ConfigureAwait(false);
                return;
            case ("GET", null):
                var (items, version) = store.List(r, route.Namespace, FakeLabels.Matcher(q["labelSelector"].ToString()));
                await WriteJsonAsync(http, 200, new JsonObject
                {
                    ["kind"] = r.Kind + "List", ["apiVersion"] = r.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
                }).ConfigureAwait(false);
                return;
            case ("GET", { } name) when route.Subresource == "log" && r.Kind == "Pod":
                _ = store.Get(r, ns, name) ?? throw FakeApiError.NotFound(r, name);
                var log = store.Log(ns, name) ?? throw FakeApiError.BadRequest($"container in pod \"{name}\" is waiting to start: ContainerCreating");
                http.Response.StatusCode = 200;
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync(log, http.RequestAborted).ConfigureAwait(false);
                return;
            case ("GET", { } name):
                await WriteJsonAsync(http, 200, store.Get(r, ns, name) ?? throw FakeApiError.NotFound(r, name)).ConfigureAwait(false);
                return;
            case ("DELETE", { } name):
                await WriteJsonAsync(http, 200, store.Delete(r, ns, name, dryRun)).ConfigureAwait(false);
                return;
        }

        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        var created = false;
        JsonObject result;
        switch (http.Request.Method)
        {
            case "POST" when route.Name is null:
                var newName = (string?)body["metadata"]?["name"] is { Length: > 0 } n ? n
                    : (string?)body["metadata"]?["generateName"] is { Length: > 0 } g ? g + Guid.NewGuid().ToString("N")[..5]
                    : throw FakeApiError.BadRequest("metadata.name: Required value: name or generateName is required");
                body.Remove("status");
                result = store.Write(r, ns, newName, dryRun, current =>
                    current is not null ? throw FakeApiError.AlreadyExists(r, newName)
                        : (body, FakeManagedFields.AfterUpdate([], null, body, manager, r.ApiVersion)));
                created = true;
                break;
            case "PUT" when route.Name is { } name:
                result = store.Write(r, ns, name, dryRun, current =>
                {
                    if (current is null)
                    {
                        throw FakeApiError.NotFound(r, name);
                    }

                    if ((string?)body["metadata"]?["resourceVersion"] is { Length: > 0 } rv && rv != (string?)current["metadata"]!["resourceVersion"])
                    {
                        throw FakeApiError.StaleUpdate(r, name);
                    }

                    return Next(route, current, body, manager);
                });
                break;
            case "PATCH" when route.Name is { } name:
                var type = http.Request.ContentType ?? "";
                if (type.StartsWith("application/apply-patch+yaml", StringComparison.Ordinal))
                {
                    if (q["fieldManager"].ToString().Length == 0)
                    {
                        throw FakeApiError.BadRequest("PATCH /apply: fieldManager is required for apply requests");
                    }

                    var force = q["force"].ToString() == "true";
                    result = store.Write(r, ns, name, dryRun, current =>
                    {
                        created = current is null;
                        var (applied, managers) = FakeApply.Apply(r, name, current, body, manager, force);
                        if (current is null)
                        {
                            applied.Remove("status");
                        }
                        else if (current["status"] is { } s)
                        {
                            applied["status"] = s.DeepClone();
                        }

                        return (applied, managers);
                    });
                }
                else if (type.StartsWith("application/merge-patch+json", StringComparison.Ordinal) || type.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
                {
                    result = store.Write(r, ns, name, dryRun, current =>
                    {
                        if (current is null)
                        {
                            throw FakeApiError.NotFound(r, name);
                        }

                        var merged = (JsonObject)FakeMergePatch.Apply(current.DeepClone(), body)!;
                        return Next(route, current, merged, manager);
                    });
                }
                else
                {
                    throw new FakeApiError(415, "UnsupportedMediaType", $"the fake does not support patch type {type}");
                }

                break;
            default:
                throw new FakeApiError(405, "MethodNotAllowed", $"{http.Request.Method} is not supported on {http.Request.Path}");
        }

        await WriteJsonAsync(http, created ? 201 : 200, result).ConfigureAwait(false);
    }

    /// <summary>An update: the main resource keeps the live status; the status subresource changes only the status.</summary>
    private static (JsonObject, List<FakeManager>) Next(FakeRoute route, JsonObject current, JsonObject body, string manager)
    {
        JsonObject next;
        if (route.Subresource == "status")
        {
            next = (JsonObject)current.DeepClone();
            next["status"] = body["status"]?.DeepClone();
        }
        else
        {
            next = (JsonObject)body.DeepClone();
            next["status"] = current["status"]?.DeepClone();
            if (next["status"] is null)
            {
                next.Remove("status");
            }
        }

        return (next, FakeManagedFields.AfterUpdate(FakeManagedFields.Read(current), current, next, manager, route.Resource.ApiVersion));
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(http.RequestAborted).ConfigureAwait(false);
        return YamlJson.ReadOne(text) as JsonObject ?? throw FakeApiError.BadRequest("the request body is not an object");
    }

    internal static async Task WriteJsonAsync(HttpContext http, int code, JsonNode body)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
    }
}
