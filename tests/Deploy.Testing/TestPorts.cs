using System.Net;
using System.Net.Sockets;

namespace Deploy.Testing;

/// <summary>Ports for servers the tests start (sshd, agents, sample services).</summary>
public static class TestPorts
{
    /// <summary>
    /// A port that 127.0.0.1 can bind right now, for a server another process starts later. It is picked below the
    /// kernel's ephemeral range (<c>ip_local_port_range</c>): a port from that range (what binding port 0 gives) can be
    /// taken as the local end of any outgoing connection before the server binds it, and then the server cannot start;
    /// below the range only another test's pick competes, one in thousands.
    /// </summary>
    public static int Free()
    {
        var first = EphemeralRangeStart();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Math.Max(1024, first - 12000), first);
            if (CanBind("127.0.0.1", port))
            {
                return port;
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 32768;
        }
    }

    /// <summary>Whether <paramref name="address"/>:<paramref name="port"/> can be bound right now.</summary>
    public static bool CanBind(string address, int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Parse(address), port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
