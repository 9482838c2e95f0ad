using Deploy.Core.Errors;
using Renci.SshNet;

namespace Deploy.Core.Hosts.Ssh.Managed;

/// <summary>
/// The authentication methods of a connection, from <see cref="SshHostOptions"/>: the identity file (with its
/// passphrase), else the user's default keys as ssh would try them; then the password, offered both as
/// <c>password</c> and as <c>keyboard-interactive</c> (answering each hidden prompt). Secrets are read at connect time
/// and go nowhere but the SSH session.
/// </summary>
internal sealed class ManagedCredentials
{
    private static readonly string[] DefaultKeys = ["id_ed25519", "id_ecdsa", "id_rsa"];
    private readonly SshHostOptions _options;
    private readonly string _host;

    public ManagedCredentials(SshHostOptions options, string host)
    {
        _options = options;
        _host = host;
    }

    public async Task<AuthenticationMethod[]> MethodsAsync(string user, CancellationToken cancellationToken)
    {
        var methods = new List<AuthenticationMethod>();
        var keys = new List<IPrivateKeySource>();
        if (_options.IdentityFile is { } file)
        {
            var passphrase = _options.IdentityPassphrase is { } secret ? await secret.ReadAsync(_host, cancellationToken).ConfigureAwait(false) : null;
            keys.Add(LoadKey(Expand(file), passphrase));
        }
        else
        {
            // As ssh: the user's default keys, those that open without a passphrase.
            var dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
            foreach (var name in DefaultKeys)
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path) && TryLoadKey(path) is { } key)
                {
                    keys.Add(key);
                }
            }
        }

        if (keys.Count > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(user, [.. keys]));
        }

        if (_options.Password is { } passwordSecret)
        {
            var password = await passwordSecret.ReadAsync(_host, cancellationToken).ConfigureAwait(false);
            methods.Add(new PasswordAuthenticationMethod(user, password));
            var interactive = new KeyboardInteractiveAuthenticationMethod(user);
            interactive.AuthenticationPrompt += (_, e) =>
            {
                foreach (var prompt in e.Prompts)
                {
                    prompt.Response = prompt.IsEchoed ? user : password;
                }
            };
            methods.Add(interactive);
        }

        if (methods.Count == 0)
        {
            throw new DeployException(DeployErrorCode.AuthenticationFailed,
                $"No credentials for {_host}: set IdentityFile, Password (an SshSecret), or put a key without a passphrase at ~/.ssh/id_ed25519.")
            { Host = _host };
        }

        return [.. methods];
    }

    private PrivateKeyFile LoadKey(string path, string? passphrase)
    {
        if (!File.Exists(path))
        {
            throw new DeployException(DeployErrorCode.AuthenticationFailed, $"The identity file '{path}' for {_host} does not exist.") { Host = _host, Path = path };
        }

        try
        {
            return new PrivateKeyFile(path, passphrase);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The inner exception says what SSH.NET found; the passphrase is in neither message.
            throw new DeployException(DeployErrorCode.AuthenticationFailed,
                $"The identity file '{path}' for {_host} could not be opened: {(passphrase is null ? "it may need a passphrase (IdentityPassphrase), or" : "the passphrase may be wrong, or")} it is not an OpenSSH/PEM private key.", e)
            { Host = _host, Path = path };
        }
    }

    private static PrivateKeyFile? TryLoadKey(string path)
    {
        try
        {
            return new PrivateKeyFile(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static string Expand(string path)
        => path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
}
