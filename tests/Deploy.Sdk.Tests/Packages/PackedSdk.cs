using System.Diagnostics;
using System.Globalization;
using Deploy.Testing;

namespace Deploy.Sdk.Tests.Packages;

/// <summary>
/// The four SDK packages and the `deploy` tool packed from this checkout (Release, both target frameworks) into a
/// local folder feed, once per test run. The build goes to its own artifacts folder so it never touches the outputs
/// the other test assemblies run from, and the version is unique to the run (<c>0.1.0-test.N</c>) so that NuGet's
/// global package cache can never hand a later run an older build.
/// </summary>
public sealed class PackedSdk : IAsyncLifetime, IDisposable
{
    /// <summary>The packable projects, by package id.</summary>
    public static readonly IReadOnlyDictionary<string, string> Projects = new Dictionary<string, string>
    {
        ["Deploy.Core"] = "src/Deploy.Core",
        ["Deploy.Packaging"] = "src/Deploy.Packaging",
        ["Deploy.Docker"] = "src/Deploy.Docker",
        ["Deploy.Kubernetes"] = "src/Deploy.Kubernetes",
        ["deploy"] = "samples/Deploy.Cli",
    };

    private readonly TempDirectory _work = new("deploy-packed");

    /// <summary>The repository root (the folder holding Deploy.sln).</summary>
    public static string Repository
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Deploy.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException($"No Deploy.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; } = "0.1.0-test." + DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The local folder feed holding the .nupkg and .snupkg files.</summary>
    public string Feed => _work.Combine("feed");

    /// <summary>A scratch folder for a test (created).</summary>
    public string Scratch(string name)
    {
        var dir = _work.Combine("scratch", name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A NuGet.config for a folder outside the repository: the local feed first, then the machine's sources.</summary>
    public string WriteNuGetConfig(string directory)
    {
        var path = Path.Combine(directory, "NuGet.config");
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="deploy-sdk-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        return path;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        foreach (var project in Projects.Values)
        {
            var pack = await RunAsync(Repository, "dotnet", "pack", project, "-c", "Release", "-o", Feed, "--artifacts-path", _work.Combine("artifacts"),
                "-p:Version=" + Version, "-nologo", "-v", "q");
            if (pack.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet pack {project} failed ({pack.ExitCode}):\n{pack.Output}\n{pack.Error}");
            }
        }
    }

    /// <summary>Runs a program to completion in <paramref name="directory"/>; output is stdout then stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string directory, string program, params string[] args)
    {
        var info = new ProcessStartInfo(program, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose() => _work.Dispose();
}
