using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>An error the fake answers with, as a Kubernetes <c>Status</c> object.</summary>
public sealed class FakeApiError(int code, string reason, string message) : Exception(message)
{
    /// <summary>HTTP status code.</summary>
    public int Code { get; } = code;

    /// <summary>Status reason (<c>NotFound</c>, <c>Conflict</c>, <c>Expired</c>...).</summary>
    public string Reason { get; } = reason;

    /// <summary>Causes (for apply conflicts: the field and the manager).</summary>
    public IReadOnlyList<(string Reason, string Message, string Field)> Causes { get; init; } = [];

    /// <summary>Kind and name the status is about.</summary>
    public (string Kind, string Name, string Group)? Details { get; init; }

    /// <summary>The <c>Status</c> object.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
            ["status"] = "Failure", ["message"] = Message, ["reason"] = Reason, ["code"] = Code,
        };
        if (Details is { } d || Causes.Count > 0)
        {
            var details = new JsonObject();
            if (Details is { } x)
            {
                details["name"] = x.Name;
                details["group"] = x.Group;
                details["kind"] = x.Kind;
            }

            if (Causes.Count > 0)
            {
                details["causes"] = new JsonArray(Causes.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field,
                }).ToArray());
            }

            status["details"] = details;
        }

        return status;
    }

    public static FakeApiError NotFound(FakeResource r, string name) =>
        new(404, "NotFound", $"{r.Plural}{(r.Group.Length > 0 ? "." + r.Group : "")} \"{name}\" not found")
        { Details = (r.Plural, name, r.Group) };

    public static FakeApiError AlreadyExists(FakeResource r, string name) =>
        new(409, "AlreadyExists", $"{r.Plural}{(r.Group.Length > 0 ? "." + r.Group : "")} \"{name}\" already exists")
        { Details = (r.Plural, name, r.Group) };

    public static FakeApiError StaleUpdate(FakeResource r, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {r.Plural}{(r.Group.Length > 0 ? "." + r.Group : "")} \"{name}\": the object has been modified; please apply your changes to the latest version and try again")
        { Details = (r.Plural, name, r.Group) };

    public static FakeApiError BadRequest(string message) => new(400, "BadRequest", message);
}
