using System.CommandLine;
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
        var output = new Option<string>("--output", "-o") { Description = "Where <package_name>.tar.gz is written (default: the current folder)" };
        var sign = new Option<string?>("--sign") { Description = "Sign the manifest with this ECDSA P-256 private key (PEM)" };
        var command = new Command("build", "Build <package_name>.tar.gz from a build folder (like build.py)") { dir, output, sign };
        command.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            var builder = await PackageBuilder.FromDirectoryAsync(parse.GetValue(dir)!, null, ct).ConfigureAwait(false);
            using var key = ECDsa.Create();
            if (parse.GetValue(sign) is { } keyPath)
            {
                key.ImportFromPem(await File.ReadAllTextAsync(keyPath, ct).ConfigureAwait(false));
                builder = builder.SignWith(key);
            }

            var result = await builder.BuildToDirectoryAsync(parse.GetValue(output) ?? Directory.GetCurrentDirectory(), ct).ConfigureAwait(false);
            Console.WriteLine(result.OutputPath);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {result.Version.PackageType} for {result.Version.OsRelease}; {result.Manifest.Payload.Count} payload entries; {result.Bytes} bytes; sha256 {result.Sha256}{(result.Signed ? "; signed" : "")}"));
            return 0;
        }));
        return command;
    }

    private static Command Verify()
    {
        var pkg = new Argument<string>("package") { Description = "The package (.tar.gz, .tar or .zip)" };
        var trust = TrustOption();
        var command = new Command("verify", "Check every hash, the signature and the safety of every entry; exit 0 when valid") { pkg, trust };
        command.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            var reader = new PackageReader(await ReadOptionsAsync(parse.GetValue(trust), ct).ConfigureAwait(false));
            var v = await reader.VerifyAsync(parse.GetValue(pkg)!, ct).ConfigureAwait(false);
            Console.WriteLine($"OK {v.Version.PackageName}: {v.Manifest.Files.Count + v.Manifest.Payload.Count} entries match the manifest; signature: {Describe(v.Signature)}");
            return 0;
        }));
        return command;
    }

    private static Command Inspect()
    {
        var pkg = new Argument<string>("package") { Description = "The package" };
        var command = new Command("inspect", "Show version.json, the signature and the payload listing (after verifying)") { pkg };
        command.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
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
        command.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            var reader = new PackageReader(await ReadOptionsAsync(parse.GetValue(trust), ct).ConfigureAwait(false));
            var v = await reader.ExtractAsync(parse.GetValue(pkg)!, parse.GetValue(dest)!, ct).ConfigureAwait(false);
            Console.WriteLine($"extracted {v.Version.PackageName} into {v.Directory}");
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
        command.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
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

            var progress = new StepPrinter();
            var target = parse.GetValue(pkg)!;
            if (Directory.Exists(target))
            {
                throw new DeployException(DeployErrorCode.InvalidArgument, $"'{target}' is a folder; pass the package file (<package_name>.tar.gz), or run ./install inside the folder.") { Path = target };
            }

            var result = await new PackageInstaller(host, options).InstallAsync(target, parse.GetValue(force), progress, ct).ConfigureAwait(false);
            foreach (var p in result.StoppedProcesses)
            {
                Console.WriteLine($"stopped {p.Pid} {p.Name}");
            }

            Console.WriteLine($"installed {result.Package.Version.PackageName} into {result.InstallRoot}/releases/{result.ReleaseName} (current){(result.PreviousRelease is null ? "" : $"; previous {result.PreviousRelease} kept")}");
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
        command.SetAction((parse, ct) => CliErrors.RunAsync(async () =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var n = parse.GetValue(name)!;
            await File.WriteAllTextAsync(n + ".key", key.ExportPkcs8PrivateKeyPem(), ct).ConfigureAwait(false);
            File.SetUnixFileMode(n + ".key", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await File.WriteAllTextAsync(n + ".pub", key.ExportSubjectPublicKeyInfoPem(), ct).ConfigureAwait(false);
            Console.WriteLine($"wrote {n}.key and {n}.pub (key id {TrustedKey.FromKey(key).KeyId})");
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

    /// <summary>Prints each install step as it starts, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class StepPrinter : IProgress<Deploy.Core.Operations.OperationProgress>
    {
        public void Report(Deploy.Core.Operations.OperationProgress value)
        {
            if (value.Kind is not (Deploy.Core.Operations.OperationEventKind.StepCompleted or Deploy.Core.Operations.OperationEventKind.Completed))
            {
                Console.WriteLine($"==> {value.Message}");
            }
        }
    }
}
