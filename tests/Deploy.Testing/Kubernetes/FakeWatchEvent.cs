using System.Text.Json.Nodes;

namespace Deploy.Testing.Kubernetes;

/// <summary>One change in the fake's history: what a watch sends (<c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>).</summary>
public sealed record FakeWatchEvent(string Type, long ResourceVersion, FakeResource Resource, string Namespace, JsonObject Object);
