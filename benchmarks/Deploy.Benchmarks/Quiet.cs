using System.Diagnostics;
using System.Globalization;

namespace Deploy.Benchmarks;

/// <summary>
/// Waits (up to a limit) until the machine is quiet: on this VM a mass delete leaves the disk busy with discards
/// for a minute or more, and anything measured meanwhile is mostly that noise.
/// </summary>
public static class Quiet
{
    /// <summary>Waits until the 10-second I/O pressure average drops below <paramref name="ioPercent"/>.</summary>
    public static async Task WaitAsync(double ioPercent = 2, int maxSeconds = 180)
    {
        var sw = Stopwatch.StartNew();
        var told = false;
        while (sw.Elapsed.TotalSeconds < maxSeconds && IoPressure() is { } io && io >= ioPercent)
        {
            if (!told)
            {
                Console.WriteLine($"waiting for the disk to settle (I/O pressure {io:0.0}%)...");
                told = true;
            }

            await Task.Delay(2000);
        }
    }

    /// <summary>
    /// Flushes dirty pages (sync(1)), so that a run does not pay for the previous run's writeback: on this VM's disk
    /// that writeback otherwise lands on whichever subject runs next.
    /// </summary>
    public static async Task SyncAsync()
    {
        using var p = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })!;
        await p.WaitForExitAsync();
    }

    private static double? IoPressure()
    {
        try
        {
            // "some avg10=1.23 avg60=... avg300=... total=..."
            var line = File.ReadLines("/proc/pressure/io").First();
            var avg10 = line.Split(' ').First(p => p.StartsWith("avg10=", StringComparison.Ordinal))[6..];
            return double.Parse(avg10, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
