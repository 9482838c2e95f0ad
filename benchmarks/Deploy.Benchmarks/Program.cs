using Deploy.Benchmarks;

// Usage: dotnet run -c Release --project benchmarks/Deploy.Benchmarks -- <suite>
// Each suite runs our operation and the reference tool on the same data in one run and prints the ratios.
var suites = new Dictionary<string, Func<Harness, Task>>(StringComparer.OrdinalIgnoreCase)
{
    ["ssh"] = SshBenchmarks.RunAsync,
    ["package"] = PackageBenchmarks.RunAsync,
    ["docker"] = DockerBenchmarks.RunAsync,
    ["fleet"] = FleetBenchmarks.RunAsync,
    ["sequence"] = SequenceBenchmarks.RunAsync,
    ["lifecycle"] = LifecycleBenchmarks.RunAsync,
    ["agent"] = AgentBenchmarks.RunAsync,
    ["kubernetes"] = KubernetesBenchmarks.RunAsync,
};

if (args.Length == 0 || !suites.TryGetValue(args[0], out var suite))
{
    Console.WriteLine($"usage: Deploy.Benchmarks <{string.Join('|', suites.Keys)}>");
    return 1;
}

var harness = new Harness();
await Quiet.WaitAsync();
await suite(harness);
harness.PrintTable("Deploy SDK");
if (harness.Results.Count > 0)
{
    // Investigation modes (e.g. DEPLOY_BENCH_SSH_CASES=upload,ab) measure nothing to keep: the results stay as they were.
    var results = Path.Combine(AppContext.BaseDirectory, "../../../../results");
    await harness.WriteAsync(Path.GetFullPath(results), args[0]);
}
return 0;
