using System.Text.Json.Nodes;

namespace Deploy.Kubernetes.Tests.Fake;

/// <summary>One change in the fake's history: what a watch sends (<c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>).</summary>
internal sealed record FakeWatchEvent(string Type, long ResourceVersion, FakeResource Resource, string Namespace, JsonObject Object);
