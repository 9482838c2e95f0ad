namespace Deploy.Testing.Hosts;

/// <summary>
/// The host key and the client key of the isolated host sets, generated once per test process and written into
/// each set's directory: a set then starts without waiting for <c>ssh-keygen</c>.
/// </summary>
internal static class TestKeys
{
    private static readonly string[] Files = ["host_ed25519", "host_ed25519.pub", "id_ed25519", "id_ed25519.pub"];
    private static readonly Lazy<Task<byte[][]>> Keys = new(GenerateAsync);

    /// <summary>Writes <c>host_ed25519</c>, <c>id_ed25519</c> (0600) and their <c>.pub</c> files into <paramref name="dir"/>.</summary>
    public static async Task WriteAsync(string dir, CancellationToken cancellationToken)
    {
        var keys = await Keys.Value.WaitAsync(cancellationToken);
        for (var i = 0; i < Files.Length; i++)
        {
            var path = Path.Combine(dir, Files[i]);
            await File.WriteAllBytesAsync(path, keys[i], cancellationToken);
            File.SetUnixFileMode(path, Files[i].EndsWith(".pub", StringComparison.Ordinal)
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static async Task<byte[][]> GenerateAsync()
    {
        var dir = Path.Combine("/var/tmp", "dnsk-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            await Task.WhenAll(Sshd.KeygenAsync(Path.Combine(dir, Files[0]), CancellationToken.None), Sshd.KeygenAsync(Path.Combine(dir, Files[2]), CancellationToken.None));
            return await Task.WhenAll(Files.Select(f => File.ReadAllBytesAsync(Path.Combine(dir, f))));
        }
        finally
        {
            Sshd.TryDeleteDirectory(dir);
        }
    }
}
