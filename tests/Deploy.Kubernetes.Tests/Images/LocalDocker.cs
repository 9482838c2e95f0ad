using System.Diagnostics;

namespace Deploy.Kubernetes.Tests.Images;

/// <summary>This machine's docker CLI (its dockerd is the node of the docker-node tests).</summary>
internal static class LocalDocker
{
    /// <summary>Runs <c>docker <paramref name="args"/></c>; its exit code.</summary>
    public static int Run(params string[] args)
    {
        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        stderr.GetAwaiter().GetResult();
        p.WaitForExit();
        return p.ExitCode;
    }
}
