namespace Deploy.Core.Lifecycle.Templates;

/// <summary>
/// Where generated secrets live (<c>{{ secret "mysql_root" }}</c> in a template). A secret is made once, on first
/// request, and returned unchanged afterwards, so every host and every later upgrade renders the same value. The
/// engine stores them on the targets; <see cref="InMemorySecretStore"/> serves tests. Values never reach a log.
/// </summary>
public interface ISecretStore
{
    /// <summary>Returns the secret named <paramref name="name"/>, generating and storing a new random one when it does not exist yet.</summary>
    ValueTask<string> GetOrCreateAsync(string name, CancellationToken cancellationToken = default);
}
