namespace Deploy.Core.Hosts.Ssh;

/// <summary>The cipher order of <see cref="SshCipherPreference"/>, for both transports (pure, but for the CPU check).</summary>
internal static class SshCiphers
{
    /// <summary>Whether this process's CPU has AES instructions (x86 AES-NI, Arm's AES extension).</summary>
    public static bool HardwareAes => System.Runtime.Intrinsics.X86.Aes.IsSupported || System.Runtime.Intrinsics.Arm.Aes.IsSupported;

    /// <summary>Whether <paramref name="preference"/> asks for a reordering on this machine.</summary>
    public static bool Reorders(SshCipherPreference preference) => preference == SshCipherPreference.AesGcmFirst && HardwareAes;

    /// <summary>
    /// <paramref name="ciphers"/> with the AES-GCM ones first, each group in its given order; <c>null</c> when that
    /// is already their order (nothing to ask for).
    /// </summary>
    public static IReadOnlyList<string>? AesGcmFirst(IReadOnlyList<string> ciphers)
    {
        var ordered = ciphers.Where(IsAesGcm).Concat(ciphers.Where(c => !IsAesGcm(c))).ToList();
        return ordered.SequenceEqual(ciphers, StringComparer.Ordinal) ? null : ordered;
    }

    /// <summary>The cipher list of <c>ssh -G</c>'s output (its <c>ciphers</c> line); empty when there is none.</summary>
    public static IReadOnlyList<string> FromEffectiveConfig(string output)
    {
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("ciphers ", StringComparison.Ordinal))
            {
                return line["ciphers ".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
        }

        return [];
    }

    private static bool IsAesGcm(string cipher) => cipher is "aes128-gcm@openssh.com" or "aes256-gcm@openssh.com";
}
