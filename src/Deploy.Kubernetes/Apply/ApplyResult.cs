using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Apply;

/// <summary>What applying did to one object.</summary>
public enum ApplyAction
{
    /// <summary>The object did not exist and was created.</summary>
    Created,

    /// <summary>The object existed and changed.</summary>
    Configured,

    /// <summary>The object was already as applied (its resourceVersion did not move).</summary>
    Unchanged,
}

/// <summary>One applied object.</summary>
/// <param name="Ref">The object, namespace resolved.</param>
/// <param name="Action">What happened (for a dry run: what would happen).</param>
/// <param name="ResourceVersion">Its resourceVersion after the apply (empty after a dry run of a create).</param>
public sealed record AppliedObject(ObjectRef Ref, ApplyAction Action, string ResourceVersion);

/// <summary>The result of applying a manifest set, in apply order.</summary>
/// <param name="Objects">Every object.</param>
/// <param name="DryRun">Whether only the server dry run ran.</param>
public sealed record ApplyResult(IReadOnlyList<AppliedObject> Objects, bool DryRun)
{
    /// <summary>The inventory to record with the release: what the next apply's prune compares against.</summary>
    public IReadOnlyList<ObjectRef> Inventory => Objects.Select(o => o.Ref).ToList();
}

/// <summary>Progress of an apply or prune: one event per object and phase.</summary>
/// <param name="Phase"><c>dry-run</c>, <c>apply</c> or <c>prune</c>.</param>
/// <param name="Object">The object.</param>
/// <param name="Index">1-based position in the phase.</param>
/// <param name="Count">Objects in the phase.</param>
/// <param name="Action">What happened to it (null for prune and dry run of unknown kinds).</param>
public sealed record ApplyProgress(string Phase, ObjectRef Object, int Index, int Count, ApplyAction? Action);
