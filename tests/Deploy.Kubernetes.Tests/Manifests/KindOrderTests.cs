using System.Text.Json.Nodes;
using Deploy.Kubernetes.Manifests;

namespace Deploy.Kubernetes.Tests.Manifests;

public sealed class KindOrderTests
{
    private static ManifestObject Obj(string kind, string name) =>
        new(new ObjectRef("v1", kind, null, name), new JsonObject(), name);

    [Fact]
    public void Namespaces_and_CRDs_come_first_config_before_workloads_custom_resources_last_manifest_order_kept()
    {
        var input = new[]
        {
            Obj("Deployment", "web"), Obj("MyCustom", "cr"), Obj("ConfigMap", "c1"), Obj("Service", "svc"),
            Obj("CustomResourceDefinition", "crd"), Obj("Secret", "s"), Obj("Namespace", "ns"), Obj("ConfigMap", "c2"),
            Obj("StatefulSet", "db"), Obj("Job", "migrate"), Obj("PersistentVolumeClaim", "data"),
        };

        KindOrder.ForApply(input).Select(o => o.Ref.Name).Should().Equal(
            "ns", "crd", "s", "c1", "c2", "data", "svc", "web", "db", "migrate", "cr");
    }

    [Fact]
    public void Delete_order_is_the_reverse_of_apply_order()
    {
        var refs = new[] { Obj("Namespace", "ns"), Obj("ConfigMap", "c1"), Obj("Deployment", "web"), Obj("ConfigMap", "c2") }.Select(o => o.Ref);

        KindOrder.ForDelete(refs).Select(r => r.Name).Should().Equal("web", "c2", "c1", "ns");
    }
}
