using System.Globalization;

namespace Deploy.Testing.Hosts;

/// <summary>
/// Hands out loopback addresses for test hosts so parallel test classes, test assemblies and engineers on one
/// machine do not collide: each process draws from its own range, <c>127.A.B.x</c> with A and B derived from the
/// process id (A in 64..191, away from <c>127.0.0.x</c> that people use by hand), and every address is probed
/// before use (an address whose port is already bound is skipped).
/// </summary>
public static class LoopbackAddresses
{
    private static int _next = -1;

    /// <summary>The next address of this process's range whose <paramref name="port"/> nobody has bound.</summary>
    public static string Next(int port)
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var address = At(Interlocked.Increment(ref _next));
            if (TestPorts.CanBind(address, port))
            {
                return address;
            }
        }

        throw new InvalidOperationException($"No free loopback address for port {port} in this process's range.");
    }

    private static string At(int index)
    {
        var pid = Environment.ProcessId;
        var a = 64 + (pid % 128);
        var b = ((pid / 128) + (index / 250)) % 256;
        var c = 2 + (index % 250);
        return string.Create(CultureInfo.InvariantCulture, $"127.{a}.{b}.{c}");
    }
}
