using System.Text;

namespace Deploy.Core.Hosts;

/// <summary>Conveniences over <see cref="IHost"/> that every host gets.</summary>
public static class HostExtensions
{
    /// <summary>
    /// Runs a POSIX shell script: the explicit, separate way to use shell features (pipes, redirects, loops).
    /// The script runs as <c>/bin/sh -c script sh args...</c>, so <paramref name="arguments"/> arrive as
    /// <c>$1</c>, <c>$2</c>... unchanged and are never parsed by the shell. Never splice untrusted text into
    /// <paramref name="script"/>: pass it as an argument.
    /// </summary>
    public static Task<CommandResult> RunScriptAsync(this IHost host, string script, IReadOnlyList<string>? arguments = null, CommandSpec? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(script);
        var argv = new List<string> { "/bin/sh", "-c", script, "sh" };
        if (arguments is not null)
        {
            argv.AddRange(arguments);
        }

        var spec = (options ?? new CommandSpec(argv)) with { Argv = argv };
        return host.RunAsync(spec, cancellationToken);
    }

    /// <summary>
    /// Runs a <see cref="HostScript"/> (a script resource with its argument contract): <paramref name="arguments"/>
    /// arrive as <c>$1</c>, <c>$2</c>... and those the script declares as target paths are mapped by a rooted host.
    /// </summary>
    public static Task<CommandResult> RunScriptAsync(this IHost host, HostScript script, IReadOnlyList<string>? arguments = null, CommandSpec? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(script);
        return host.RunAsync(script.ToCommand(arguments, options), cancellationToken);
    }

    /// <summary>Whether <paramref name="path"/> exists (any kind).</summary>
    public static async Task<bool> ExistsAsync(this IHost host, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        return await host.StatAsync(path, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Reads a whole file as UTF-8 text.</summary>
    public static async Task<string> ReadAllTextAsync(this IHost host, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var stream = await host.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a whole file as bytes.</summary>
    public static async Task<byte[]> ReadAllBytesAsync(this IHost host, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var stream = await host.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    /// <summary>Writes UTF-8 text (no BOM) atomically.</summary>
    public static Task WriteAllTextAsync(this IHost host, string path, string text, FileWriteOptions? options = null, CancellationToken cancellationToken = default)
        => WriteAllBytesAsync(host, path, new UTF8Encoding(false).GetBytes(text), options, cancellationToken);

    /// <summary>Writes bytes atomically.</summary>
    public static async Task WriteAllBytesAsync(this IHost host, string path, byte[] bytes, FileWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var stream = new MemoryStream(bytes, writable: false);
        await host.WriteFileAsync(path, stream, options, cancellationToken).ConfigureAwait(false);
    }
}
