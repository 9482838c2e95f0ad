using System.Text.Json.Nodes;

namespace Deploy.Kubernetes.Manifests;

/// <summary>One object of a manifest set: its reference and its JSON body (generic, so custom resources and unknown
/// fields survive as written).</summary>
/// <param name="Ref">The object's reference; the namespace is null until resolved against discovery when the
/// manifest names none.</param>
/// <param name="Body">The object as parsed.</param>
/// <param name="Source">Where it came from: <c>file.yaml#3</c> (document 3).</param>
public sealed record ManifestObject(ObjectRef Ref, JsonObject Body, string Source)
{
    /// <summary>A deep copy of the body with <paramref name="ns"/> as its namespace (for namespaced objects that name none).</summary>
    internal JsonObject BodyIn(string? ns)
    {
        var copy = (JsonObject)Body.DeepClone();
        if (ns is not null)
        {
            ((JsonObject)copy["metadata"]!)["namespace"] = ns;
        }

        return copy;
    }
}
