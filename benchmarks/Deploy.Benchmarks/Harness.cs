using System.Diagnostics;
using System.Text.Json;

namespace Deploy.Benchmarks;

/// <summary>One measured case: our operation or a reference tool, with its median over several runs.</summary>
public sealed record Measurement(string Suite, string Case, string Subject, double MedianMs, double[] RunsMs, string? Note = null);

/// <summary>
/// Runs cases, takes medians (at least 5 runs after a warm-up), prints a table with ratios to the reference,
/// and writes benchmarks/results/latest.json (and a per-suite file).
/// </summary>
public sealed class Harness
{
    private readonly List<Measurement> _results = [];

    public int Runs { get; init; } = 5;

    public IReadOnlyList<Measurement> Results => _results;

    /// <summary>Measures <paramref name="run"/>; <paramref name="setup"/> runs before each run, untimed.</summary>
    public async Task<Measurement> MeasureAsync(string suite, string @case, string subject, Func<Task> run, Func<Task>? setup = null, int? runs = null, bool warmUp = true)
    {
        if (warmUp)
        {
            if (setup is not null)
            {
                await setup();
            }

            await run();
        }

        var times = new List<double>();
        for (var i = 0; i < (runs ?? Runs); i++)
        {
            if (setup is not null)
            {
                await setup();
            }

            var sw = Stopwatch.StartNew();
            await run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        var sorted = times.Order().ToArray();
        var m = new Measurement(suite, @case, subject, sorted[sorted.Length / 2], times.ToArray());
        _results.Add(m);
        Console.WriteLine($"  {suite}/{@case}/{subject}: median {m.MedianMs:0.0} ms  [{string.Join(", ", times.Select(t => t.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}]");
        return m;
    }

    /// <summary>
    /// Measures several subjects of one case in interleaved rounds (A B C, A B C, ...), so that a drift in machine
    /// load or disk state hits every subject alike; <paramref name="setup"/> runs before each run, untimed. The first
    /// round is a warm-up. A subject with a run limit drops out of later rounds.
    /// </summary>
    public async Task<IReadOnlyList<Measurement>> MeasureInterleavedAsync(string suite, string @case, IReadOnlyList<(string Subject, Func<Task> Run, int? Runs)> subjects, Func<Task>? setup = null, int? runs = null)
    {
        var times = subjects.Select(_ => new List<double>()).ToArray();
        var rounds = runs ?? Runs;
        for (var round = -1; round < rounds; round++)
        {
            for (var i = 0; i < subjects.Count; i++)
            {
                if (round >= (subjects[i].Runs ?? rounds))
                {
                    continue;
                }

                if (setup is not null)
                {
                    await setup();
                }

                var sw = Stopwatch.StartNew();
                await subjects[i].Run();
                if (round >= 0)
                {
                    times[i].Add(sw.Elapsed.TotalMilliseconds);
                }
            }
        }

        var result = new List<Measurement>();
        for (var i = 0; i < subjects.Count; i++)
        {
            var sorted = times[i].Order().ToArray();
            var m = new Measurement(suite, @case, subjects[i].Subject, sorted[sorted.Length / 2], times[i].ToArray(), "interleaved runs");
            _results.Add(m);
            result.Add(m);
            Console.WriteLine($"  {suite}/{@case}/{m.Subject}: median {m.MedianMs:0.0} ms  [{string.Join(", ", times[i].Select(t => t.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}]");
        }

        return result;
    }

    /// <summary>Replaces a recorded measurement (e.g. one scaled after an interleaved run).</summary>
    public void Replace(Measurement old, Measurement replacement) => _results[_results.IndexOf(old)] = replacement;

    /// <summary>Records an externally measured value (e.g. peak memory in MB).</summary>
    public void Record(Measurement m) => _results.Add(m);

    /// <summary>Prints the table: per case, each subject's median and its ratio to <paramref name="ours"/>.</summary>
    public void PrintTable(string ours)
    {
        Console.WriteLine();
        Console.WriteLine($"{"suite/case",-40} {"subject",-28} {"median",12} {"ours/this",10}");
        foreach (var group in _results.GroupBy(r => (r.Suite, r.Case)))
        {
            var mine = group.FirstOrDefault(r => r.Subject == ours);
            foreach (var r in group)
            {
                var ratio = mine is null || r.MedianMs == 0 ? "" : (mine.MedianMs / r.MedianMs).ToString("0.00x", System.Globalization.CultureInfo.InvariantCulture);
                Console.WriteLine($"{group.Key.Suite + "/" + group.Key.Case,-40} {r.Subject,-28} {r.MedianMs,10:0.0} ms {ratio,10}");
            }
        }
    }

    /// <summary>Writes results as JSON to benchmarks/results/latest.json and benchmarks/results/{suite}.json.</summary>
    public async Task WriteAsync(string resultsDirectory, string suite)
    {
        Directory.CreateDirectory(resultsDirectory);
        var options = new JsonSerializerOptions { WriteIndented = true };
        var json = JsonSerializer.Serialize(new { machine = Environment.MachineName, cores = Environment.ProcessorCount, results = _results }, options);
        await File.WriteAllTextAsync(Path.Combine(resultsDirectory, "latest.json"), json);

        // A run of some cases (e.g. DEPLOY_BENCH_SSH_CASES=upload) replaces those cases and keeps the others.
        var file = Path.Combine(resultsDirectory, suite + ".json");
        var merged = new List<Measurement>();
        if (File.Exists(file))
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            if (doc.RootElement.TryGetProperty("results", out var old))
            {
                merged.AddRange((old.Deserialize<List<Measurement>>() ?? []).Where(m => !_results.Any(r => r.Case == m.Case)));
            }
        }

        merged.AddRange(_results);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { machine = Environment.MachineName, cores = Environment.ProcessorCount, results = merged }, options));
    }
}
