using Deploy.Core.Errors;
using Deploy.Packaging.Building;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Model;

namespace Deploy.Packaging.Tests.Installing;

/// <summary>Real rpm and pip: an rpm built with rpmbuild installed with --root into the sandbox, and Debian's
/// wheels installed with pip into a real virtualenv.</summary>
[Trait("Category", "Integration")]
public class RpmAndWheelInstallTests
{
    private static async Task<string> BuildRpmAsync(string dir, string version, string content)
    {
        var top = Path.Combine(dir, "rpmbuild-" + version);
        var spec = Path.Combine(dir, $"rdbtest-{version}.spec");
        await File.WriteAllTextAsync(spec, $"""
            Name: rdbtest
            Version: {version}
            Release: 1
            Summary: rdb test server
            License: MIT
            BuildArch: noarch
            AutoReqProv: no
            %description
            A test package.
            %install
            mkdir -p %{"{"}buildroot{"}"}/opt/rdbtest
            echo '{content}' > %{"{"}buildroot{"}"}/opt/rdbtest/hello.txt
            %files
            /opt/rdbtest/hello.txt
            """);
        var r = await TestPackages.RunAsync("rpmbuild", "--define", "_topdir " + top, "-bb", spec);
        r.Exit.Should().Be(0, r.Err);
        return Directory.EnumerateFiles(top, "*.rpm", SearchOption.AllDirectories).Single();
    }

    [Fact]
    public async Task Server_package_installs_its_rpm_with_rpm_Uvh_into_the_sandbox_root()
    {
        using var box = new InstallSandbox();
        var payload = box.Dir.Combine("payload");
        Directory.CreateDirectory(payload);
        var rpm = await BuildRpmAsync(box.Dir.Path, "5.7.1.0", "v5.7.1.0");
        File.Copy(rpm, Path.Combine(payload, Path.GetFileName(rpm)));
        var pkg = await TestPackages.BuildAsync(
            PackageBuilder.Create("rdb_server_5.7.1.0_centos.x86_64").WithType(PackageType.InstallRdbServer).WithOsRelease("bclinux,centos").WithPayloadDirectory(payload),
            box.Dir.Combine("out"));
        var rpmRoot = box.Dir.Combine("rpmroot");
        var options = new PackageInstallOptions { RpmArguments = ["--root", rpmRoot, "--dbpath", "/var/lib/rpm"] };

        var result = await box.Installer(options).InstallAsync(pkg);

        result.Steps.Should().Equal("stage files", "rpm -Uvh", "switch current");
        (await File.ReadAllTextAsync(Path.Combine(rpmRoot, "opt", "rdbtest", "hello.txt"))).Should().Be("v5.7.1.0\n");
        var q = await TestPackages.RunAsync("rpm", "--root", rpmRoot, "--dbpath", "/var/lib/rpm", "-q", "rdbtest");
        q.Out.Trim().Should().Be("rdbtest-5.7.1.0-1.noarch");
        box.CurrentTarget("server").Should().Be("releases/" + result.ReleaseName);
    }

    [Fact]
    public async Task A_failing_rpm_names_the_step_and_keeps_the_previous_release()
    {
        using var box = new InstallSandbox();
        var rpmRoot = box.Dir.Combine("rpmroot");
        var options = new PackageInstallOptions { RpmArguments = ["--root", rpmRoot, "--dbpath", "/var/lib/rpm"] };
        var good = box.Dir.Combine("good");
        Directory.CreateDirectory(good);
        var rpm = await BuildRpmAsync(box.Dir.Path, "5.7.1.0", "v1");
        File.Copy(rpm, Path.Combine(good, Path.GetFileName(rpm)));
        var first = await box.Installer(options).InstallAsync(await TestPackages.BuildAsync(
            PackageBuilder.Create("rdb_worker_1").WithType(PackageType.InstallRdbWorker).WithOsRelease("centos").WithPayloadDirectory(good), box.Dir.Combine("o1")));
        var bad = box.Dir.Combine("bad");
        Directory.CreateDirectory(bad);
        await File.WriteAllTextAsync(Path.Combine(bad, "aio-airflow-5.7.2.0-1.el7.x86_64.rpm"), "this is not an rpm");

        var act = async () => await box.Installer(options).InstallAsync(await TestPackages.BuildAsync(
            PackageBuilder.Create("rdb_worker_2").WithType(PackageType.InstallRdbWorker).WithOsRelease("centos").WithPayloadDirectory(bad), box.Dir.Combine("o2")));

        var ex = (await act.Should().ThrowAsync<DeployException>()).Which;
        ex.Code.Should().Be(DeployErrorCode.InstallFailed);
        ex.Path.Should().Be("rpm -Uvh");
        box.CurrentTarget("worker").Should().Be("releases/" + first.ReleaseName);
        Directory.EnumerateDirectories(Path.Combine(box.Root, "opt", "rdb", "worker", "releases")).Should().ContainSingle();
        (await File.ReadAllTextAsync(Path.Combine(rpmRoot, "opt", "rdbtest", "hello.txt"))).Should().Be("v1\n");
    }

    private static async Task<string> VenvAsync(InstallSandbox box)
    {
        var venv = box.Real("/opt/rdb/venv");
        var r = await TestPackages.RunAsync("/usr/bin/python3", "-m", "venv", venv);
        r.Exit.Should().Be(0, r.Err);
        (await TestPackages.RunAsync(venv + "/bin/python", "-m", "pip", "uninstall", "-y", "-q", "setuptools")).Exit.Should().Be(0);
        (await TestPackages.RunAsync(venv + "/bin/python", "-c", "import setuptools")).Exit.Should().NotBe(0, "the test starts without setuptools");
        return venv;
    }

    [Fact]
    public async Task Code_update_installs_real_wheels_into_the_virtualenv_and_copies_tools()
    {
        using var box = new InstallSandbox();
        var venv = await VenvAsync(box);
        var payload = box.Dir.Combine("payload");
        Directory.CreateDirectory(Path.Combine(payload, "tools"));
        File.Copy("/usr/share/python-wheels/setuptools-66.1.1-py3-none-any.whl", Path.Combine(payload, "setuptools-66.1.1-py3-none-any.whl"));
        await File.WriteAllTextAsync(Path.Combine(payload, "tools", "version.txt"), "code 5.7.1\n");
        var pkg = await TestPackages.BuildAsync(
            PackageBuilder.Create("update_code_5.7.1.0_centos.x86_64").WithType(PackageType.InstallUpdateCode).WithOsRelease("bclinux,centos").WithPayloadDirectory(payload),
            box.Dir.Combine("out"));

        var result = await box.Installer().InstallAsync(pkg);

        result.Steps.Should().Equal("stage files", "pip install", "switch current", "restart");
        var check = await TestPackages.RunAsync(venv + "/bin/python", "-c", "import setuptools; print(setuptools.__version__)");
        check.Out.Trim().Should().Be("66.1.1");
        (await File.ReadAllTextAsync(Path.Combine(box.Root, "opt", "rdb", "code", "current", "tools", "version.txt"))).Should().Be("code 5.7.1\n");
        Directory.Exists(venv + ".deploy-backup").Should().BeFalse();
    }

    [Fact]
    public async Task A_broken_wheel_restores_the_virtualenv_and_names_the_pip_step()
    {
        using var box = new InstallSandbox();
        var venv = await VenvAsync(box);
        var payload = box.Dir.Combine("payload");
        Directory.CreateDirectory(payload);
        File.Copy("/usr/share/python-wheels/setuptools-66.1.1-py3-none-any.whl", Path.Combine(payload, "setuptools-66.1.1-py3-none-any.whl"));
        await File.WriteAllTextAsync(Path.Combine(payload, "aio-5.5.1.0-py3-none-any.whl"), "not a zip");
        var pkg = await TestPackages.BuildAsync(
            PackageBuilder.Create("update_code_bad").WithType(PackageType.InstallUpdateCode).WithOsRelease("centos").WithPayloadDirectory(payload),
            box.Dir.Combine("out"));

        var act = () => box.Installer().InstallAsync(pkg);

        (await act.Should().ThrowAsync<DeployException>()).Where(e => e.Code == DeployErrorCode.InstallFailed && e.Path == "pip install");
        (await TestPackages.RunAsync(venv + "/bin/python", "-c", "import setuptools")).Exit.Should().NotBe(0, "the virtualenv is back as it was");
        Directory.Exists(venv + ".deploy-backup").Should().BeFalse();
        File.Exists(Path.Combine(box.Root, "opt", "rdb", "code", "current")).Should().BeFalse();
    }
}
