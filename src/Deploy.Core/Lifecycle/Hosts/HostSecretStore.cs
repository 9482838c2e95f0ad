using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Deploy.Core.Hosts;
using Deploy.Core.Lifecycle.Templates;

namespace Deploy.Core.Lifecycle.Hosts;

/// <summary>
/// Generated secrets kept on the targets: one JSON file (mode 0600) written atomically on every host, read from the
/// first host that has it. A secret is made once; every later render (any machine, any upgrade) gets the same value.
/// </summary>
internal sealed class HostSecretStore(IReadOnlyList<IHost> hosts, string path) : ISecretStore
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, string>? _secrets;

    public async ValueTask<string> GetOrCreateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _secrets ??= await LoadAsync(cancellationToken).ConfigureAwait(false);
            if (_secrets.TryGetValue(name, out var value))
            {
                return value;
            }

            value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
            _secrets[name] = value;
            var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(_secrets));
            await Task.WhenAll(hosts.Select(async h =>
            {
                using var s = new MemoryStream(bytes, writable: false);
                await h.WriteFileAsync(path, s, new FileWriteOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite }, cancellationToken).ConfigureAwait(false);
            })).ConfigureAwait(false);
            return value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Dictionary<string, string>> LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var h in hosts)
        {
            if (await h.StatAsync(path, cancellationToken).ConfigureAwait(false) is not null)
            {
                var text = await HostsBackend.ReadTextAsync(h, path, cancellationToken).ConfigureAwait(false);
                return JsonSerializer.Deserialize<Dictionary<string, string>>(text) ?? [];
            }
        }

        return new Dictionary<string, string>(StringComparer.Ordinal);
    }
}
