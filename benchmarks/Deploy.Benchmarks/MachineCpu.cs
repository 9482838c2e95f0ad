using System.Globalization;

namespace Deploy.Benchmarks;

/// <summary>The CPU time every process of this machine used so far (the <c>cpu</c> line of <c>/proc/stat</c>: user,
/// nice, system, irq, softirq and steal), in seconds; 0 where there is no <c>/proc/stat</c>.</summary>
internal static class MachineCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return 0;
        }

        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8)) / TicksPerSecond;
    }

    /// <summary>The CPU time this process used so far, in seconds.</summary>
    public static double ThisProcess() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>How many processes (and threads) this machine created so far (the <c>processes</c> line of <c>/proc/stat</c>); 0 where there is none.</summary>
    public static long Forks() => File.Exists("/proc/stat")
        ? File.ReadLines("/proc/stat").Where(l => l.StartsWith("processes ", StringComparison.Ordinal)).Select(l => long.Parse(l[10..], CultureInfo.InvariantCulture)).FirstOrDefault()
        : 0;
}
