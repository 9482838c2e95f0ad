using Deploy.Core.Errors;
using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Tests.Manifests;

public sealed class ManifestSetTests
{
    [Fact]
    public void Multi_document_yaml_becomes_objects_with_refs_and_yaml_types_kept()
    {
        var objects = ManifestSet.Parse("""
            # leading comment
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: shop}
            data:
              port: "8080"
              enabled: "true"
            ---
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 3
              paused: false
            """, "app.yaml");

        objects.Select(o => o.Ref).Should().Equal(
            new ObjectRef("v1", "ConfigMap", "shop", "settings"),
            new ObjectRef("apps/v1", "Deployment", null, "web"));
        objects[0].Body["data"]!.ToJsonString().Should().Be("""{"port":"8080","enabled":"true"}""");
        objects[1].Body["spec"]!.ToJsonString().Should().Be("""{"replicas":3,"paused":false}""");
        objects[1].Source.Should().Be("app.yaml#3", "a comment before the first --- is no document; the empty one counts");
        objects[1].Ref.Group.Should().Be("apps");
    }

    [Fact]
    public void A_List_document_contributes_its_items()
    {
        var objects = ManifestSet.Parse("""
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: v1, kind: Secret, metadata: {name: a}}
            - {apiVersion: v1, kind: Secret, metadata: {name: b}}
            """);

        objects.Select(o => o.Ref.Name).Should().Equal("a", "b");
    }

    [Theory]
    [InlineData("kind: ConfigMap\nmetadata: {name: x}", "apiVersion")]
    [InlineData("apiVersion: v1\nmetadata: {name: x}", "kind")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: {}", "metadata.name")]
    [InlineData("- just\n- a list", "not a Kubernetes object")]
    [InlineData("apiVersion: v1\nkind: [unclosed", "not valid YAML")]
    public void A_document_that_is_not_an_object_is_ManifestInvalid_naming_file_and_document(string yaml, string expected)
    {
        var act = () => ManifestSet.Parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\n" + yaml, "bad.yaml");

        var e = act.Should().Throw<DeployException>().Which;
        e.Code.Should().Be(DeployErrorCode.ManifestInvalid);
        e.Message.Should().Contain(expected);
        e.Path.Should().StartWith("bad.yaml");
    }

    [Fact]
    public void The_same_object_twice_is_ManifestInvalid()
    {
        var act = () => ManifestSet.Parse("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: a}\n", "dup.yaml");

        act.Should().Throw<DeployException>().Which.Path.Should().Be("dup.yaml#2");
    }
}
