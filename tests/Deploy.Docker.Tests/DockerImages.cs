using System.Diagnostics;
using Deploy.Testing;

namespace Deploy.Docker.Tests;

/// <summary>
/// Builds test images with <c>docker import</c> of a busybox-static rootfs (no registry needed), under tags unique to
/// this fixture, and removes them (and any compose project it recorded) on dispose.
/// </summary>
public sealed class DockerImages : IDisposable
{
    private readonly List<string> _tags = [];
    private readonly List<(string Dir, string Project, string[] Files)> _projects = [];

    public DockerImages()
    {
        Id = Guid.NewGuid().ToString("N")[..10];
        Temp = new TempDirectory("deploy-docker");
        var root = Temp.Combine("rootfs");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.Copy("/bin/busybox", Path.Combine(root, "bin", "busybox"));
        foreach (var applet in new[] { "sh", "sleep", "true", "false", "echo", "cat", "ls", "wget", "touch", "test" })
        {
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        }

        RootfsTar = Temp.Combine("rootfs.tar");
        Run("tar", "-C", root, "-cf", RootfsTar, ".");
    }

    /// <summary>Unique suffix for tags, project names and directories.</summary>
    public string Id { get; }

    public TempDirectory Temp { get; }

    public string RootfsTar { get; }

    /// <summary>Imports an image with the given CMD and returns its ID.</summary>
    public string Import(string reference, string cmdJson = "[\"sleep\",\"3600\"]", params string[] moreChanges)
    {
        var argv = new List<string> { "docker", "import", "--change", $"CMD {cmdJson}", "--message", reference + " " + Guid.NewGuid() };
        foreach (var c in moreChanges)
        {
            argv.Add("--change");
            argv.Add(c);
        }

        argv.Add(RootfsTar);
        argv.Add(reference);
        _tags.Add(reference);
        return Run([.. argv]).Trim();
    }

    /// <summary>Saves <paramref name="reference"/> to an archive (gzipped when the name ends in .gz) and optionally removes the tag.</summary>
    public string Save(string reference, string fileName, bool removeAfter = true)
    {
        var path = Temp.Combine(fileName);
        if (fileName.EndsWith(".gz", StringComparison.Ordinal))
        {
            Run("/bin/sh", "-c", "docker save \"$1\" | gzip -1 > \"$2\"", "sh", reference, path);
        }
        else
        {
            Run("docker", "save", "-o", path, reference);
        }

        if (removeAfter)
        {
            Run("docker", "rmi", reference);
        }

        return path;
    }

    public void TrackProject(string dir, string project, params string[] files) => _projects.Add((dir, project, files));

    /// <summary>
    /// Starts a process, retrying briefly on ETXTBSY: a script written just before can still be open for writing in
    /// a child that another test thread forked meanwhile (until that child execs), and exec then fails.
    /// </summary>
    public static Process StartRetryingBusyText(ProcessStartInfo psi)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return Process.Start(psi)!;
            }
            catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == 26 && attempt < 20)
            {
                Thread.Sleep(50);
            }
        }
    }

    public static string Run(params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = StartRetryingBusyText(psi);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', argv)} exited {p.ExitCode}: {stderr}");
        }

        return stdout.Result;
    }

    public static string RunWithEnv(string dir, IDictionary<string, string> env, params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var p = StartRetryingBusyText(psi);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', argv)} exited {p.ExitCode}: {stderr}");
        }

        return stdout.Result;
    }

    public void Dispose()
    {
        foreach (var (dir, project, files) in _projects)
        {
            try
            {
                var ids = Run("docker", "ps", "-aq", "--filter", $"label=com.docker.compose.project={project}").Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (ids.Length > 0)
                {
                    Run(["docker", "rm", "-f", .. ids]);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        foreach (var tag in _tags)
        {
            try
            {
                Run("docker", "rmi", "-f", tag);
            }
            catch (InvalidOperationException)
            {
            }
        }

        Temp.Dispose();
    }
}
