using System.Net;
using System.Text.Json.Nodes;
using Deploy.Core.Errors;
using k8s.Autorest;

namespace Deploy.Kubernetes.Connection;

/// <summary>One cause of an API error, as the server's <c>Status</c> lists it (for apply conflicts: the field and
/// the manager that owns it).</summary>
/// <param name="Reason">Machine-readable reason, e.g. <c>FieldManagerConflict</c>.</param>
/// <param name="Message">The server's message.</param>
/// <param name="Field">The field path, e.g. <c>.data.key</c>.</param>
public sealed record KubernetesStatusCause(string Reason, string Message, string Field);

/// <summary>The API server answered with an error <c>Status</c>: <see cref="DeployErrorCode.KubeApiError"/> with the
/// HTTP status, the reason and the causes.</summary>
public sealed class KubernetesApiException : DeployException
{
    /// <summary>Creates the exception.</summary>
    public KubernetesApiException(HttpStatusCode statusCode, string reason, string message, IReadOnlyList<KubernetesStatusCause> causes, Exception? innerException = null)
        : base(DeployErrorCode.KubeApiError, message, innerException)
    {
        StatusCode = statusCode;
        Reason = reason;
        Causes = causes;
    }

    /// <summary>The HTTP status (404, 409, 410...).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status reason (<c>NotFound</c>, <c>Conflict</c>, <c>AlreadyExists</c>, <c>Expired</c>...).</summary>
    public string Reason { get; }

    /// <summary>The Status causes.</summary>
    public IReadOnlyList<KubernetesStatusCause> Causes { get; }

    internal static KubernetesApiException From(HttpOperationException e, HttpMethod method, string uri)
    {
        var code = e.Response?.StatusCode ?? HttpStatusCode.InternalServerError;
        return FromStatus(code, TryParse(e.Response?.Content), $"{method} {uri.Split('?')[0]}", e);
    }

    internal static KubernetesApiException FromStatus(HttpStatusCode code, JsonObject? status, string request, Exception? inner = null)
    {
        var causes = (status?["details"]?["causes"] as JsonArray ?? [])
            .Select(c => new KubernetesStatusCause((string?)c?["reason"] ?? "", (string?)c?["message"] ?? "", (string?)c?["field"] ?? ""))
            .ToList();
        var message = (string?)status?["message"] ?? code.ToString();
        return new KubernetesApiException(code, (string?)status?["reason"] ?? code.ToString(), $"{request}: {(int)code} {message}", causes, inner)
        {
            Path = request,
        };
    }

    private static JsonObject? TryParse(string? text)
    {
        try
        {
            return string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
