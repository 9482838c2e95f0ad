using Deploy.Sdk.Tests.Packages;

namespace Deploy.Sdk.Tests.Samples;

/// <summary>Runs a sample console app under samples/ as built with the tests (same configuration).</summary>
internal static class SampleRun
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(string sample, params string[] args)
    {
        // tests/Deploy.Sdk.Tests/bin/{Configuration}/{tfm}/ -> samples/{sample}/bin/{Configuration}/{tfm}/{sample}.dll
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var dll = Path.Combine(PackedSdk.Repository, "samples", sample, "bin", bin.Parent!.Name, bin.Name, sample + ".dll");
        File.Exists(dll).Should().BeTrue($"the sample is built at {dll}");
        return PackedSdk.RunAsync(Path.GetTempPath(), "dotnet", [dll, .. args]);
    }
}
