using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Deploy.Kubernetes.Tests.Images;

/// <summary>Image archives written by the tests (no registry, no dockerd needed).</summary>
internal static class TestImageArchive
{
    /// <summary>A <c>docker save</c> archive (manifest.json, config, one layer) of a one-file image tagged <paramref name="tag"/>.</summary>
    public static async Task<string> WriteAsync(string path, string tag)
    {
        var layer = Tar(("hello.txt", Encoding.UTF8.GetBytes(tag + "\n")));
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64", ["os"] = "linux", ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray("sha256:" + Hex(layer)) },
        }.ToJsonString());
        var manifest = Encoding.UTF8.GetBytes(new JsonArray(new JsonObject
        {
            ["Config"] = Hex(config) + ".json", ["RepoTags"] = new JsonArray(tag), ["Layers"] = new JsonArray("l1/layer.tar"),
        }).ToJsonString());
        await File.WriteAllBytesAsync(path, Tar((Hex(config) + ".json", config), ("l1/layer.tar", layer), ("manifest.json", manifest)));
        return path;
    }

    private static string Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static byte[] Tar(params (string Name, byte[] Data)[] files)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (n, data) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, n) { DataStream = new MemoryStream(data) });
            }
        }

        return stream.ToArray();
    }
}
