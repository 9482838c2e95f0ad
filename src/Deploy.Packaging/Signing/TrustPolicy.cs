namespace Deploy.Packaging.Signing;

/// <summary>
/// Which package signatures are accepted. A signed package must be signed by one of <see cref="TrustedKeys"/>
/// (an unknown key or a bad signature always fails). An unsigned package is accepted unless
/// <see cref="RequireSignature"/> is set.
/// </summary>
public sealed record TrustPolicy
{
    /// <summary>The keys whose signatures are trusted.</summary>
    public IReadOnlyList<TrustedKey> TrustedKeys { get; init; } = [];

    /// <summary>Whether unsigned packages (and packages signed when no key is trusted) are refused.
    /// <value>The default is <c>false</c>.</value></summary>
    public bool RequireSignature { get; init; }

    /// <summary>Accepts unsigned packages; a signed package's signature is still checked for integrity but its
    /// key is not trusted (<see cref="SignatureStatus.SignedByUnknownKey"/>).</summary>
    public static TrustPolicy Permissive { get; } = new();

    /// <summary>Requires a valid signature by one of <paramref name="keys"/>.</summary>
    public static TrustPolicy Require(params TrustedKey[] keys) => new() { TrustedKeys = keys, RequireSignature = true };
}
