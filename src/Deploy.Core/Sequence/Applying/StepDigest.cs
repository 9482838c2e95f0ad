using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Sequence.Applying;

/// <summary>
/// A short digest of what a plan step does (its service definition, files with size, mtime and mode, paths, delay),
/// part of the step's journal name: an apply resumes an interrupted one step by step only when the re-computed plan
/// has exactly the same steps, so a completed step is never skipped for a step that would now do something else.
/// </summary>
internal static class StepDigest
{
    public static string Of(PlanStep step)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? text) => hash.AppendData(Encoding.UTF8.GetBytes((text ?? "") + "\0"));
        Add(step.Kind.ToString());
        Add(step.Component);
        Add(step.Service?.Kind.ToString());
        Add(step.Service?.Command);
        Add(step.Service?.WorkingDirectory);
        Add(step.ErrorHandling.ToString());
        Add(step.DelayMs.ToString(CultureInfo.InvariantCulture));
        foreach (var f in step.Files ?? [])
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{f.LocalPath}\0{f.TargetPath}\0{f.Size}\0{f.ModifiedUtcTicks}\0{(int)f.Mode}"));
        }

        foreach (var p in step.Paths ?? [])
        {
            Add(p);
        }

        return Convert.ToHexString(hash.GetHashAndReset())[..8].ToLowerInvariant();
    }
}
