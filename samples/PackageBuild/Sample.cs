using System.Diagnostics;

/// <summary>Lays out build.py folders for the sample and runs commands.</summary>
internal static class Sample
{
    private static void VersionJson(string dir, string name, string type, string osRelease)
        => File.WriteAllText(Path.Combine(dir, "version.json"), $$"""
            {
                "package_name": "{{name}}",
                "package_type": "{{type}}",
                "os_release": "{{osRelease}}",
                "_os_release": "当前安装包的操作系统版本(os_release), 多个值中间用英文逗号分隔",
                "_package_type": "当前安装包的类型(package_type), 可选值为 constant.PackageTypeEnum中的值"
            }
            """);

    /// <summary>Server/worker: package.tar.gz holding one real rpm, made with rpmbuild.</summary>
    public static string Rpm(string work, string name, string type, string rpmName, string osRelease)
    {
        var dir = Path.Combine(work, "build", name);
        Directory.CreateDirectory(dir);
        VersionJson(dir, name, type, osRelease);
        var spec = Path.Combine(work, rpmName + ".spec");
        File.WriteAllText(spec, $"""
            Name: {rpmName}
            Version: 5.7.1.0
            Release: 1_1.el7
            Summary: {rpmName}
            License: Proprietary
            BuildArch: noarch
            AutoReqProv: no
            %description
            {rpmName} sample
            %install
            mkdir -p %{"{"}buildroot{"}"}/opt/{rpmName}
            echo '{rpmName} 5.7.1.0' > %{"{"}buildroot{"}"}/opt/{rpmName}/VERSION
            %files
            /opt/{rpmName}/VERSION
            """);
        Run(null, "rpmbuild", "--quiet", "--define", "_topdir " + Path.Combine(work, "rpmbuild"), "-bb", spec);
        var rpm = Directory.EnumerateFiles(Path.Combine(work, "rpmbuild", "RPMS"), rpmName + "-5*.rpm", SearchOption.AllDirectories).Single();
        Run(Path.GetDirectoryName(rpm), "tar", "-czf", Path.Combine(dir, "package.tar.gz"), Path.GetFileName(rpm));
        return dir;
    }

    /// <summary>Agent install/patch: package/ with fsbackup_kernel_4.x and tools (with a restart hook that starts a daemon).</summary>
    public static string Agent(string work, string name, string type, string osRelease, string version)
    {
        var dir = Path.Combine(work, "build", name);
        var tools = Path.Combine(dir, "package", "tools");
        Directory.CreateDirectory(tools);
        Directory.CreateDirectory(Path.Combine(dir, "package", "fsbackup_kernel_4.x"));
        VersionJson(dir, name, type, osRelease);
        File.WriteAllText(Path.Combine(dir, "package", "fsbackup_kernel_4.x", "fsbackup.ko"), "kernel module " + version);
        File.WriteAllText(Path.Combine(tools, "VERSION"), version + "\n");
        File.WriteAllText(Path.Combine(tools, "agentd"), "#!/bin/sh\n# The agent daemon: its command line names its install path, which is how ./install finds it.\nwhile :; do sleep 1; done\n");
        File.SetUnixFileMode(Path.Combine(tools, "agentd"), (UnixFileMode)0b111_101_101);
        // Started from current/, detached, output closed: the installer waits for the hook, not for the daemon.
        File.WriteAllText(Path.Combine(tools, "restart"), "#!/bin/sh\nnohup \"$PWD/tools/agentd\" >/dev/null 2>&1 &\necho \"agent $(cat tools/VERSION) started\"\n");
        return dir;
    }

    /// <summary>Code patch: wheels (Debian's) and tools.</summary>
    public static string Code(string work, string name, string osRelease)
    {
        var dir = Path.Combine(work, "build", name);
        var package = Path.Combine(dir, "package");
        Directory.CreateDirectory(Path.Combine(package, "tools"));
        VersionJson(dir, name, "install_update_code", osRelease);
        foreach (var wheel in Directory.EnumerateFiles("/usr/share/python-wheels", "setuptools-*.whl"))
        {
            File.Copy(wheel, Path.Combine(package, Path.GetFileName(wheel)));
        }

        File.WriteAllText(Path.Combine(package, "tools", "migrate.sh"), "#!/bin/sh\necho migrate\n");
        return dir;
    }

    public static void Run(string? dir, string file, params string[] args)
    {
        var code = RunAsync(dir, null, file, args).GetAwaiter().GetResult();
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} exited {code}");
        }
    }

    public static async Task<int> RunAsync(string? dir, IDictionary<string, string>? env, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = dir ?? Environment.CurrentDirectory };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        await p.WaitForExitAsync();
        return p.ExitCode;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
