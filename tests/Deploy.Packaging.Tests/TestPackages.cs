using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Tests;

/// <summary>Builds small real packages and repacks them (to tamper) for tests.</summary>
internal static class TestPackages
{
    /// <summary>An agent-style payload folder: tools/ with a restart script and a binary-ish file, a kernel folder.</summary>
    public static string AgentPayload(string root, string marker = "v1")
    {
        var dir = Path.Combine(root, "payload-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(Path.Combine(dir, "tools"));
        Directory.CreateDirectory(Path.Combine(dir, "fsbackup_kernel_4.x"));
        File.WriteAllText(Path.Combine(dir, "tools", "version.txt"), marker + "\n");
        File.WriteAllText(Path.Combine(dir, "tools", "agent.sh"), "#!/bin/sh\necho agent\n");
        File.SetUnixFileMode(Path.Combine(dir, "tools", "agent.sh"), (UnixFileMode)0b111_101_101);
        File.WriteAllBytes(Path.Combine(dir, "fsbackup_kernel_4.x", "fsbackup.ko"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray());
        return dir;
    }

    public static PackageBuilder Agent(string name, string payloadDir)
        => PackageBuilder.Create(name).WithType(PackageType.InstallRdbAgent).WithOsRelease("bclinux,centos,debian,ubuntu").WithPayloadDirectory(payloadDir);

    public static async Task<string> BuildAsync(PackageBuilder builder, string outDir)
        => (await builder.BuildToDirectoryAsync(outDir)).OutputPath!;

    /// <summary>Reads every entry of a .tar.gz into memory.</summary>
    public static async Task<List<(TarEntryType Type, string Name, int Mode, string? Link, byte[] Data)>> ReadAllAsync(string path)
    {
        var list = new List<(TarEntryType, string, int, string?, byte[])>();
        await using var fs = File.OpenRead(path);
        await using var gz = new GZipStream(fs, CompressionMode.Decompress);
        await using var reader = new TarReader(gz);
        while (await reader.GetNextEntryAsync() is { } e)
        {
            using var ms = new MemoryStream();
            if (e.DataStream is not null)
            {
                await e.DataStream.CopyToAsync(ms);
            }

            list.Add((e.EntryType, e.Name, (int)e.Mode, string.IsNullOrEmpty(e.LinkName) ? null : e.LinkName, ms.ToArray()));
        }

        return list;
    }

    /// <summary>Writes entries as a .tar.gz with TarWriter (PAX).</summary>
    public static async Task WriteAllAsync(string path, IEnumerable<(TarEntryType Type, string Name, int Mode, string? Link, byte[] Data)> entries)
    {
        await using var fs = File.Create(path);
        await using var gz = new GZipStream(fs, CompressionLevel.Fastest);
        await using var writer = new TarWriter(gz, TarEntryFormat.Pax);
        foreach (var (type, name, mode, link, data) in entries)
        {
            var e = new PaxTarEntry(type, name) { Mode = (UnixFileMode)mode };
            if (link is not null)
            {
                e.LinkName = link;
            }

            if (type is TarEntryType.RegularFile)
            {
                e.DataStream = new MemoryStream(data);
            }

            await writer.WriteEntryAsync(e);
        }
    }

    /// <summary>Makes a tar.gz payload archive from (name, content) pairs.</summary>
    public static async Task<byte[]> TarGzAsync(params (string Name, string Content)[] files)
    {
        using var ms = new MemoryStream();
        await using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        await using (var writer = new TarWriter(gz, TarEntryFormat.Pax))
        {
            foreach (var (name, content) in files)
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0b110_100_100, DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) });
            }
        }

        return ms.ToArray();
    }

    public static async Task<(int Exit, string Out, string Err)> RunAsync(string file, params string[] args)
        => await RunInAsync(null, null, file, args);

    public static async Task<(int Exit, string Out, string Err)> RunInAsync(string? workDir, IDictionary<string, string>? env, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workDir is not null)
        {
            psi.WorkingDirectory = workDir;
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }
}
