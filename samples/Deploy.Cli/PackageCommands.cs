using System.CommandLine;
using Deploy.Cli.Output;
using System.Globalization;
using System.Security.Cryptography;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Inventory;
using Deploy.Packaging.Building;
using Deploy.Packaging.Installing;
using Deploy.Packaging.Reading;
using Deploy.Packaging.Products;
using Deploy.Packaging.Signing;

namespace Deploy.Cli;

/// <summary>
/// `deploy package build|verify|inspect|extract|install|keygen|product`: the rdb build.py and ./install on the SDK,
/// and the lifecycle's product packages (`product`).
/// </summary>
internal static class PackageCommands
{
    public static Command Create()
    {
        var package = new Command("package", "Build, verify, inspect, extract and install offline packages (version.json + payload)");
        package.Subcommands.Add(Build());
        package.Subcommands.Add(Verify());
        package.Subcommands.Add(Inspect());
        package.Subcommands.Add(Extract());
        package.Subcommands.Add(Install());
        package.Subcommands.Add(KeyGen());
        package.Subcommands.Add(ProductPackageCommand.Create());
        return package;
    }

    private static Option<string[]> TrustOption() => new("--trust")
    {
        Description = "A trusted publisher public key (PEM); repeatable. With --trust, packages must be signed by one of them",
        AllowMultipleArgumentsPerToken = false,
    };

    private static async Task<PackageReadOptions> ReadOptionsAsync(string[]? trust, CancellationToken ct)
    {
        if (trust is not { Length: > 0 })
        {
            return new PackageReadOptions { Registry = ProductPackage.Register() };
        }

        var keys = new List<TrustedKey>();
        foreach (var path in trust)
        {
            keys.Add(await TrustedKey.LoadAsync(path, ct).ConfigureAwait(false));
        }

        return new PackageReadOptions { Trust = TrustPolicy.Require([.. keys]), Registry = ProductPackage.Register() };
    }

    private static Command Build()
    {
        var dir = new Argument<string>("dir") { Description = "A folder with version.json and package.tar.gz (or a package/ folder)" };
        var output = new Option<string>("--out-dir") { Description = "Where <package_name>.tar.gz is written (default: the current folder)" };
        var sign = new Option<string?>("--sign") { Description = "Sign the manifest with this ECDSA P-256 private key (PEM)" };
        var command = new Command("build", "Build <package_name>.tar.gz from a build folder (like build.py)") { dir, output, sign };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var builder = await PackageBuilder.FromDirectoryAsync(parse.GetValue(dir)!, null, ct).ConfigureAwait(false);
            using var key = ECDsa.Create();
            if (parse.GetValue(sign) is { } keyPath)
            {
                key.ImportFromPem(await File.ReadAllTextAsync(keyPath, ct).ConfigureAwait(false));
                builder = builder.SignWith(key);
            }

            var result = await builder.BuildToDirectoryAsync(parse.GetValue(output) ?? Directory.GetCurrentDirectory(), ct).ConfigureAwait(false);
            CliOutput.Current.Result(
                new { Path = result.OutputPath, result.Version.PackageName, result.Version.PackageType, result.Version.OsRelease, PayloadEntries = result.Manifest.Payload.Count, result.Bytes, result.Sha256, result.Signed },
                result.OutputPath + "\n" + string.Create(CultureInfo.InvariantCulture, $"  {result.Version.PackageType} for {result.Version.OsRelease}; {result.Manifest.Payload.Count} payload entries; {result.Bytes} bytes; sha256 {result.Sha256}{(result.Signed ? "; signed" : "")}"));
            return 0;
        }));
        return command;
    }

    private static Command Verify()
    {
        var pkg = new Argument<string>("package") { Description = "The package (.tar.gz, .tar or .zip)" };
        var trust = TrustOption();
        var command = new Command("verify", "Check every hash, the signature and the safety of every entry; exit 0 when valid") { pkg, trust };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var reader = new PackageReader(await ReadOptionsAsync(parse.GetValue(trust), ct).ConfigureAwait(false));
            var v = await reader.VerifyAsync(parse.GetValue(pkg)!, ct).ConfigureAwait(false);
            CliOutput.Current.Result(
                new { Valid = true, v.Version.PackageName, Entries = v.Manifest.Files.Count + v.Manifest.Payload.Count, Signature = new { v.Signature.Status, v.Signature.KeyId } },
                $"OK {v.Version.PackageName}: {v.Manifest.Files.Count + v.Manifest.Payload.Count} entries match the manifest; signature: {Describe(v.Signature)}");
            return 0;
        }));
        return command;
    }

    private static Command Inspect()
    {
        var pkg = new Argument<string>("package") { Description = "The package" };
        var command = new Command("inspect", "Show version.json, the signature and the payload listing (after verifying)") { pkg };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var v = await new PackageReader(new PackageReadOptions { Registry = ProductPackage.Register() }).VerifyAsync(parse.GetValue(pkg)!, ct).ConfigureAwait(false);
            Console.WriteLine($"package_name: {v.Version.PackageName}");
            Console.WriteLine($"package_type: {v.Version.PackageType}");
            Console.WriteLine($"os_release:   {v.Version.OsRelease}");
            foreach (var (key, text) in v.Version.Comments)
            {
                Console.WriteLine($"{key}: {text}");
            }

            Console.WriteLine($"signature:    {Describe(v.Signature)}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"payload:      {v.Manifest.Payload.Count} entries, {v.PayloadBytes} bytes"));
            foreach (var e in v.Manifest.Payload)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Convert.ToString(e.Mode, 8),4} {e.Size,12} {e.Path}{(e.LinkTarget is null ? "" : " -> " + e.LinkTarget)}"));
            }

            CliOutput.Current.Result(
                new
                {
                    v.Version.PackageName, v.Version.PackageType, v.Version.OsRelease, v.Version.Comments,
                    Signature = new { v.Signature.Status, v.Signature.KeyId },
                    v.PayloadBytes,
                    Payload = v.Manifest.Payload.Select(e => new { e.Path, Mode = Convert.ToString(e.Mode, 8), e.Size, e.LinkTarget }),
                },
                "");

            return 0;
        }));
        return command;
    }

    private static Command Extract()
    {
        var pkg = new Argument<string>("package") { Description = "The package" };
        var dest = new Argument<string>("destination") { Description = "A new folder (must not exist)" };
        var trust = TrustOption();
        var command = new Command("extract", "Verify and extract a package atomically (payload unpacked into payload/)") { pkg, dest, trust };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            var reader = new PackageReader(await ReadOptionsAsync(parse.GetValue(trust), ct).ConfigureAwait(false));
            var v = await reader.ExtractAsync(parse.GetValue(pkg)!, parse.GetValue(dest)!, ct).ConfigureAwait(false);
            CliOutput.Current.Result(new { v.Version.PackageName, v.Directory }, $"extracted {v.Version.PackageName} into {v.Directory}");
            return 0;
        }));
        return command;
    }

    private static Command Install()
    {
        var pkg = new Argument<string>("package") { Description = "The package" };
        var root = new Option<string?>("--root") { Description = "Install into a sandbox folder (a LocalHost rooted there) instead of /" };
        var hostName = new Option<string?>("--host") { Description = "Install on this inventory host (over SSH unless it is local)" };
        var inventory = new Option<string?>("--inventory", "-i") { Description = "Inventory YAML file for --host (default: only the local host)" };
        var force = new Option<bool>("--force", "-f") { Description = "Stop the tool's running background processes instead of refusing" };
        var trust = TrustOption();
        var venv = new Option<string?>("--venv") { Description = "The virtualenv for wheels (default /opt/rdb/venv)" };
        var command = new Command("install", "The rdb ./install [-f]: verify, check os_release and processes, stage, switch, restart") { pkg, root, hostName, inventory, force, trust, venv };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            if (parse.GetValue(root) is not null && parse.GetValue(hostName) is not null)
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, "Give --host or --root, not both.");
            }

            await using var host = await OpenHostAsync(parse.GetValue(root), parse.GetValue(hostName), parse.GetValue(inventory), ct).ConfigureAwait(false);
            var options = new PackageInstallOptions { Read = await ReadOptionsAsync(parse.GetValue(trust), ct).ConfigureAwait(false) };
            if (parse.GetValue(venv) is { } v)
            {
                options = options with { VirtualEnv = v };
            }

            var target = parse.GetValue(pkg)!;
            if (Directory.Exists(target))
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"'{target}' is a folder; pass the package file (<package_name>.tar.gz), or run ./install inside the folder.") { Path = target };
            }

            var result = await ProgressViews.OperationAsync($"install {Path.GetFileName(target)} on {host.Name}", p => new PackageInstaller(host, options).InstallAsync(target, parse.GetValue(force), p, ct)).ConfigureAwait(false);
            foreach (var p in result.StoppedProcesses)
            {
                Console.WriteLine($"stopped {p.Pid} {p.Name}");
            }

            CliOutput.Current.Result(
                new { result.Package.Version.PackageName, result.InstallRoot, Release = result.ReleaseName, result.PreviousRelease, StoppedProcesses = result.StoppedProcesses.Select(p => new { p.Pid, p.Name }) },
                $"installed {result.Package.Version.PackageName} into {result.InstallRoot}/releases/{result.ReleaseName} (current){(result.PreviousRelease is null ? "" : $"; previous {result.PreviousRelease} kept")}");
            return 0;
        }));
        return command;
    }

    private static async Task<IHost> OpenHostAsync(string? root, string? hostName, string? inventoryPath, CancellationToken ct)
    {
        if (root is not null)
        {
            return LocalHost.Rooted(root);
        }

        if (hostName is null)
        {
            return new LocalHost();
        }

        var inventory = inventoryPath is null ? HostInventory.LocalOnly() : await HostInventory.LoadAsync(inventoryPath, ct).ConfigureAwait(false);
        return new InventoryHostFactory().Create(inventory.GetHost(hostName));
    }

    private static Command KeyGen()
    {
        var name = new Argument<string>("name") { Description = "Writes <name>.key (private, PEM, mode 0600) and <name>.pub (public, PEM)" };
        var command = new Command("keygen", "Create an ECDSA P-256 key pair for signing packages") { name };
        command.SetAction((parse, ct) => CliErrors.RunAsync(parse, async () =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var n = parse.GetValue(name)!;
            await File.WriteAllTextAsync(n + ".key", key.ExportPkcs8PrivateKeyPem(), ct).ConfigureAwait(false);
            File.SetUnixFileMode(n + ".key", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllTextAsync(n + ".pub", key.ExportSubjectPublicKeyInfoPem(), ct).ConfigureAwait(false);
            var keyId = TrustedKey.FromKey(key).KeyId;
            CliOutput.Current.Result(new { PrivateKey = n + ".key", PublicKey = n + ".pub", KeyId = keyId }, $"wrote {n}.key and {n}.pub (key id {keyId})");
            return 0;
        }));
        return command;
    }

    private static string Describe(SignatureCheck s) => s.Status switch
    {
        SignatureStatus.Trusted => $"trusted (key {s.KeyId})",
        SignatureStatus.SignedByUnknownKey => $"signed by key {s.KeyId} (intact; pass --trust to require a known publisher)",
        _ => "unsigned",
    };
}
