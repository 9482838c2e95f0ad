#!/usr/bin/env -S dotnet run
// The rdb packager and ./install as a script: build an offline package from a build folder (version.json + payload),
// verify it, and install it into a sandboxed target with a staged release and an atomic `current` switch.
// Run: dotnet pack -o ../../artifacts (once, at the repository root), then: dotnet run package.cs
#:package Deploy.Core@0.1.0
#:package Deploy.Packaging@0.1.0
using Deploy.Core.Hosts;
using Deploy.Packaging.Building;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Reading;

var work = Directory.CreateTempSubdirectory("deploy-script-package-").FullName;
try
{
    var build = Path.Combine(work, "build");
    Directory.CreateDirectory(Path.Combine(build, "package", "tools"));
    var os = (await new LocalHost().GetOsReleaseAsync()).Id;
    File.WriteAllText(Path.Combine(build, "version.json"), $$"""{"package_name": "rdb_agent_5.7.1.0", "package_type": "install_rdb_agent", "os_release": "centos,bclinux,{{os}}"}""");
    File.WriteAllText(Path.Combine(build, "package", "tools", "VERSION"), "5.7.1.0\n");

    var built = await (await PackageBuilder.FromDirectoryAsync(build)).BuildToDirectoryAsync(Path.Combine(work, "dist"));
    Console.WriteLine($"built {Path.GetFileName(built.OutputPath)}: {built.Bytes} bytes, sha256 {built.Sha256[..16]}");

    var verified = await new PackageReader().VerifyAsync(built.OutputPath!);
    Console.WriteLine($"verified {verified.Version.PackageName} ({verified.Version.PackageType}): {verified.Manifest.Files.Count} files match the manifest");

    var target = Path.Combine(work, "target");
    Directory.CreateDirectory(Path.Combine(target, "etc"));
    File.Copy("/etc/os-release", Path.Combine(target, "etc", "os-release"));
    await using var host = LocalHost.Rooted(target);
    var installed = await new PackageInstaller(host).InstallAsync(built.OutputPath!);
    Console.WriteLine($"installed {installed.ReleaseName} into {installed.InstallRoot}; steps: {string.Join(" -> ", installed.Steps)}");
    Console.WriteLine($"current/tools/VERSION: {File.ReadAllText(host.MapPath(installed.InstallRoot + "/current/tools/VERSION")).Trim()}");
}
finally
{
    Directory.Delete(work, recursive: true);
}
