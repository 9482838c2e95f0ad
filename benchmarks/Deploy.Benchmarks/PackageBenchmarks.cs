using System.Diagnostics;
using System.Globalization;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Packaging.Building;
using Deploy.Packaging.Model;
using Deploy.Packaging.Reading;

namespace Deploy.Benchmarks;

/// <summary>
/// `package`: build and extract of a 200 MB mixed payload (half incompressible, half text) against
/// `tar czf` (gzip -6, one core), `tar -I pigz` (both cores) and `tar xzf`; then the peak memory (max RSS, from
/// /usr/bin/time -v) of `deploy package build` and `deploy package extract` on a 2 GB payload, in child processes.
/// </summary>
public static class PackageBenchmarks
{
    private const string Ours = "Deploy SDK";
    private const long Mb = 1024 * 1024;

    public static async Task RunAsync(Harness harness)
    {
        var work = Path.Combine(Path.GetTempPath(), "deploy-bench-package-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var osId = (await new LocalHost().GetOsReleaseAsync()).Id;
            var payload = Path.Combine(work, "payload");
            Generate(payload, 200 * Mb);
            Console.WriteLine($"payload: {DirSize(payload) / (double)Mb:0} MB in {Directory.EnumerateFiles(payload, "*", SearchOption.AllDirectories).Count()} files");

            var builder = PackageBuilder.Create("bench_package").WithType(PackageType.InstallRdbAgent).WithOsRelease(osId).WithPayloadDirectory(payload);
            var oursOut = Path.Combine(work, "ours");
            var ours = Path.Combine(oursOut, "bench_package.tar.gz");
            var gz = Path.Combine(work, "ref-gzip.tar.gz");
            var pigz = Path.Combine(work, "ref-pigz.tar.gz");
            var build = await harness.MeasureAsync("package", "build 200MB", Ours, async () => await builder.BuildToDirectoryAsync(oursOut), () => Delete(ours));
            var tarGz = await harness.MeasureAsync("package", "build 200MB", "tar czf (gzip -6)", () => Run("tar", "-czf", gz, "-C", payload, "."), () => Delete(gz));
            var tarPigz = await harness.MeasureAsync("package", "build 200MB", "tar -I pigz", () => Run("tar", "-I", "pigz", "-cf", pigz, "-C", payload, "."), () => Delete(pigz));
            var mbIn = DirSize(payload) / (double)Mb;
            foreach (var (m, file) in new[] { (build, ours), (tarGz, gz), (tarPigz, pigz) })
            {
                var size = new FileInfo(file).Length;
                harness.Record(new Measurement("package", "output size MB", m.Subject, size / (double)Mb, [], $"{mbIn / (m.MedianMs / 1000):0} MB/s"));
                Console.WriteLine($"  {m.Subject}: {mbIn / (m.MedianMs / 1000):0.0} MB/s, {size / (double)Mb:0.00} MB ({size} bytes)");
            }

            var dest = Path.Combine(work, "x");
            await harness.MeasureAsync("package", "extract 200MB", Ours, async () => await new PackageReader().ExtractAsync(ours, dest), () => Delete(dest));
            await harness.MeasureAsync("package", "extract 200MB", "tar xzf (gzip -6 archive)", () => Run("tar", "-xzf", gz, "-C", dest), () => { Delete(dest); Directory.CreateDirectory(dest); return Task.CompletedTask; });
            await harness.MeasureAsync("package", "verify 200MB (no writes)", Ours, async () => await new PackageReader().VerifyAsync(ours));
            await harness.MeasureAsync("package", "verify 200MB (no writes)", "gzip -t + sha256sum", () => Run("sh", "-c", "gzip -t \"$1\" && sha256sum \"$1\" >/dev/null", "sh", ours));
            Delete(dest).Wait();
            Delete(payload).Wait();

            if (Environment.GetEnvironmentVariable("DEPLOY_BENCH_SKIP_2GB") != "1")
            {
                await PeakMemoryAsync(harness, work, osId);
            }
        }
        finally
        {
            await Delete(work);
        }
    }

    private static async Task PeakMemoryAsync(Harness harness, string work, string osId)
    {
        var repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var project = Path.Combine(repo, "samples", "Deploy.Cli", "Deploy.Cli.csproj");
        await Run("dotnet", "build", "-c", "Release", "-v", "q", "-nologo", project);
        var cli = Path.Combine(repo, "samples", "Deploy.Cli", "bin", "Release", "net10.0", "deploy");
        var buildDir = Path.Combine(work, "big");
        Generate(Path.Combine(buildDir, "package"), 2048 * Mb);
        await File.WriteAllTextAsync(Path.Combine(buildDir, "version.json"), $"{{\"package_name\": \"big_package\", \"package_type\": \"install_rdb_agent\", \"os_release\": \"{osId}\"}}");
        var outDir = Path.Combine(work, "big-out");
        var (buildMs, buildRss) = await TimeAsync(cli, "package", "build", buildDir, "-o", outDir);
        Delete(Path.Combine(buildDir, "package")).Wait();
        var (extractMs, extractRss) = await TimeAsync(cli, "package", "extract", Path.Combine(outDir, "big_package.tar.gz"), Path.Combine(work, "big-x"));
        harness.Record(new Measurement("package", "peak RSS MB, 2GB payload", "deploy package build", buildRss / 1024.0, [buildMs], $"{2048 / (buildMs / 1000):0} MB/s"));
        harness.Record(new Measurement("package", "peak RSS MB, 2GB payload", "deploy package extract", extractRss / 1024.0, [extractMs], $"{2048 / (extractMs / 1000):0} MB/s"));
        Console.WriteLine($"  2 GB build: {buildMs / 1000:0.0} s, peak RSS {buildRss / 1024.0:0} MB; extract: {extractMs / 1000:0.0} s, peak RSS {extractRss / 1024.0:0} MB");
    }

    /// <summary>Runs a child under /usr/bin/time -v; returns wall ms and max RSS in KiB.</summary>
    private static async Task<(double Ms, long RssKb)> TimeAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-v");
        psi.ArgumentList.Add(file);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        await stdout;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {err}");
        }

        var line = err.Split('\n').First(l => l.Contains("Maximum resident set size", StringComparison.Ordinal));
        return (sw.Elapsed.TotalMilliseconds, long.Parse(line[(line.LastIndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture));
    }

    /// <summary>Half incompressible (10 MB random files), half text (100 KB files of words), deterministic.</summary>
    private static void Generate(string dir, long total)
    {
        var rnd = new Random(42);
        var random = Path.Combine(dir, "bin");
        var text = Path.Combine(dir, "src");
        Directory.CreateDirectory(random);
        var buffer = new byte[10 * Mb];
        for (var i = 0; i < total / 2 / buffer.Length; i++)
        {
            rnd.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(random, $"blob{i:D4}.bin"), buffer);
        }

        var words = Enumerable.Range(0, 4000).Select(i => new string(Enumerable.Range(0, 3 + (i % 9)).Select(_ => (char)('a' + rnd.Next(26))).ToArray())).ToArray();
        var perFile = 100 * 1024;
        var files = (int)(total / 2 / perFile);
        var sb = new StringBuilder(perFile + 200);
        for (var i = 0; i < files; i++)
        {
            sb.Clear();
            while (sb.Length < perFile)
            {
                var indent = rnd.Next(4) * 4;
                sb.Append(' ', indent);
                for (var w = 0; w < 4 + rnd.Next(8); w++)
                {
                    sb.Append(words[(int)Math.Min(words.Length - 1, Math.Abs(rnd.NextDouble() * rnd.NextDouble()) * words.Length)]).Append(w % 3 == 2 ? "(x, y);" : " ");
                }

                sb.Append('\n');
            }

            var sub = Path.Combine(text, $"module{i / 100:D3}");
            Directory.CreateDirectory(sub);
            File.WriteAllText(Path.Combine(sub, $"file{i:D5}.py"), sb.ToString(0, perFile));
        }
    }

    private static long DirSize(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static Task Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }

        return Task.CompletedTask;
    }

    private static async Task Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {err}");
        }
    }
}
