using System.Diagnostics;
using Deploy.Core.Hosts;
using Deploy.Packaging.Building;
using Deploy.Packaging.Installing;

// The rdb packager, end to end, in a sandbox (no root, no servers):
//  1. lays out one build.py folder per package type (version.json as the seed shows + package.tar.gz or a package/ folder),
//  2. builds <package_name>.tar.gz for each (what `python3 build.py` did),
//  3. unpacks each with tar -zxf and runs ./install as a user would (DEPLOY_ROOT points at the sandbox; rpm gets
//     --root/--dbpath), including the agent's "processes running" refusal and ./install -f,
//  4. installs one package again through the library (PackageInstaller on a rooted LocalHost).
// Usage: dotnet run --project samples/PackageBuild [-- <work dir>]
var work = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(Path.GetTempPath(), "deploy-package-sample-" + Guid.NewGuid().ToString("N")[..8]);
var target = Path.Combine(work, "target");
Directory.CreateDirectory(Path.Combine(target, "etc"));
File.Copy("/etc/os-release", Path.Combine(target, "etc", "os-release"), overwrite: true);
var hostId = (await LocalHost.Rooted(target).GetOsReleaseAsync()).Id;
var osRelease = $"bclinux,centos,{hostId}";
Console.WriteLine($"work: {work}  (host os-release ID: {hostId}; packages support '{osRelease}')");

// ---- 1. build folders -------------------------------------------------------------------------------------------
var builds = new[]
{
    Sample.Rpm(work, "rdb_server_5.7.1.0_centos.x86_64", "install_rdb_server", "aio", osRelease),
    Sample.Rpm(work, "rdb_worker_5.7.1.0_centos.x86_64", "install_rdb_worker", "aio-airflow", osRelease),
    Sample.Agent(work, "rdb_agent_5.7.1.0_centos.x86_64", "install_rdb_agent", osRelease, "5.7.1.0"),
    Sample.Code(work, "update_code_5.7.1.0_centos.x86_64", osRelease),
    Sample.Agent(work, "update_agent_5.7.1.1_centos.x86_64", "install_update_agent", osRelease, "5.7.1.1"),
};

// ---- 2. build.py ------------------------------------------------------------------------------------------------
var dist = Path.Combine(work, "dist");
var packages = new List<string>();
foreach (var dir in builds)
{
    var result = await (await PackageBuilder.FromDirectoryAsync(dir)).BuildToDirectoryAsync(dist);
    packages.Add(result.OutputPath!);
    Console.WriteLine($"built {Path.GetFileName(result.OutputPath)}: {result.Version.PackageType}, {result.Manifest.Payload.Count} payload entries, {result.Bytes} bytes");
}

// ---- 3. tar -zxvf + ./install -----------------------------------------------------------------------------------
var venv = Path.Combine(target, "opt", "rdb", "venv");
await Sample.RunAsync(null, null, "python3", "-m", "venv", venv);
var env = new Dictionary<string, string>
{
    ["DEPLOY_ROOT"] = target,
    ["RPM_OPTS"] = $"--root {Path.Combine(work, "rpmroot")} --dbpath /var/lib/rpm",
};
Process? agent = null;
try
{
    foreach (var pkg in packages)
    {
        var unpack = Path.Combine(work, "unpacked");
        Directory.CreateDirectory(unpack);
        await Sample.RunAsync(null, null, "tar", "-zxf", pkg, "-C", unpack);
        var folder = Path.Combine(unpack, Path.GetFileName(pkg)[..^".tar.gz".Length]);
        Console.WriteLine($"\n$ cd {Path.GetFileName(folder)} && ./install");
        var code = await Sample.RunAsync(folder, env, Path.Combine(folder, "install"));
        if (code != 0 && Path.GetFileName(pkg).StartsWith("update_agent", StringComparison.Ordinal))
        {
            Console.WriteLine("$ ./install -f");
            code = await Sample.RunAsync(folder, env, Path.Combine(folder, "install"), "-f");
        }

        if (code != 0)
        {
            throw new InvalidOperationException($"./install of {Path.GetFileName(pkg)} exited {code}");
        }

        if (Path.GetFileName(pkg).StartsWith("rdb_agent", StringComparison.Ordinal))
        {
            // The agent's tools/restart started its daemon; the update below finds it running.
            agent = Process.GetProcesses().FirstOrDefault(p => Sample.CommandLine(p.Id).Contains(Path.Combine(target, "opt", "rdb", "agent") + "/", StringComparison.Ordinal));
            Console.WriteLine($"agent daemon running: pid {agent?.Id}");
        }
    }

    // ---- 4. the same through the library ------------------------------------------------------------------------
    await using var host = LocalHost.Rooted(target);
    var installer = new PackageInstaller(host, new PackageInstallOptions { WorkDirectory = work });
    var again = await installer.InstallAsync(packages[2], force: true);
    Console.WriteLine($"\nlibrary: installed {again.Package.Version.PackageName} into {again.InstallRoot}/releases/{again.ReleaseName}; stopped {again.StoppedProcesses.Count} process(es); steps: {string.Join(" -> ", again.Steps)}");
    Console.WriteLine($"agent current -> {new FileInfo(Path.Combine(target, "opt", "rdb", "agent", "current")).LinkTarget}");
    Console.WriteLine("sample finished: five packages built, verified and installed");
    return 0;
}
finally
{
    foreach (var p in Process.GetProcesses().Where(p => Sample.CommandLine(p.Id).Contains(Path.Combine(target, "opt", "rdb") + "/", StringComparison.Ordinal)))
    {
        p.Kill();
    }

    agent?.Dispose();
    if (args.Length == 0)
    {
        Directory.Delete(work, recursive: true);
    }
}
