namespace Deploy.Packaging.Signing;

/// <summary>What the signature check found.</summary>
public enum SignatureStatus
{
    /// <summary>The package has no signature (and the policy allowed that).</summary>
    Unsigned,

    /// <summary>The manifest is signed by a trusted key and the signature is valid.</summary>
    Trusted,

    /// <summary>The signature is valid for the key it names, but no trusted keys were configured (permissive
    /// policy): the package is intact, its origin is unknown.</summary>
    SignedByUnknownKey,
}

/// <summary>The result of a signature check.</summary>
/// <param name="Status">What was found.</param>
/// <param name="KeyId">The signing key's id, when signed.</param>
public sealed record SignatureCheck(SignatureStatus Status, string? KeyId);
