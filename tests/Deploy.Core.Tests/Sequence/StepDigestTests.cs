using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Deploy.Core.Operations.Running;
using Deploy.Core.Sequence.Applying;
using Deploy.Core.Sequence.Model;
using Deploy.Core.Sequence.Planning;

namespace Deploy.Core.Tests.Sequence;

/// <summary>
/// A journal's step names end with a digest of what each step does; an apply resumes an interrupted one only when
/// its re-computed steps have the same names. The digest's bytes are therefore a format: this pins them.
/// </summary>
public sealed class StepDigestTests
{
    private sealed class CrashBefore(int index) : IOperationObserver
    {
        public Task AtBoundaryAsync(OperationBoundary boundary, CancellationToken cancellationToken)
            => boundary.Index == index ? throw new InvalidOperationException($"injected crash before step {index}") : Task.CompletedTask;
    }

    [Fact]
    public async Task Journal_step_names_carry_the_SHA256_of_each_steps_NUL_separated_fields_as_earlier_versions_wrote_them()
    {
        await using var box = new SequenceSandbox();
        await box.ApplyAsync(box.Target().Build());
        box.WriteSource("data/exos-data.conf", "loglevel=debug\n");
        for (var i = 0; i < 600; i++)
        {
            // Over 64 KiB of fields: the digest is hashed in more than one buffer.
            box.WriteSource($"extra/ünï-{i:000}-{new string('n', 80)}.conf", new string('x', i));
        }

        var target = box.Target(dataExtra: c => c.AddFile(box.Source + "/extra", box.T("/opt/exos/extra"), ChangeEvent.Restart)).Build();
        var plan = await box.PlanAsync(target);
        plan.Steps.Should().Contain(s => s.Kind == StepKind.TransferFiles && s.Files!.Count > 600);

        var crash = async () => await box.ApplyAsync(target, new ApplyOptions { Observer = new CrashBefore(plan.Steps.Count - 1) });
        await crash.Should().ThrowAsync<InvalidOperationException>();

        using var journal = JsonDocument.Parse(File.ReadAllText(box.TargetFile(box.StateDirectory + "/control/journal.json")));
        var names = journal.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        names.Should().Equal(plan.Steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Index} {s.Describe()} {Reference(s)}")));
    }

    /// <summary>The digest as the first version computed it: a string per field, each with a NUL, hashed one by one.</summary>
    private static string Reference(PlanStep step)
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
