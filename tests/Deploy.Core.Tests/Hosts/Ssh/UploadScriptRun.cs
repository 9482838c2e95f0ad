using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>
/// Runs <c>host-upload.sh</c> directly on the local machine as an uploader runs it over SSH: laid out on the real
/// destination check, fed the real <see cref="UploadStream"/> (written to a file first, so a test can cut it).
/// </summary>
internal static class UploadScriptRun
{
    /// <summary>
    /// Uploads <paramref name="uploads"/> through the script; <paramref name="cut"/> maps the stream's length to the
    /// length that arrives; <paramref name="path"/> replaces the script's PATH.
    /// </summary>
    public static async Task<CommandResult> RunAsync(LocalHost host, TempDirectory sandbox, List<FileUpload> uploads, string placer, bool split = false, Func<long, long>? cut = null, string? path = null)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var bookkeeping = sandbox.Combine("book", ".deploy-up-" + id);
        var items = UploadStream.Prepare(uploads, needSizes: true);
        var targets = items.ConvertAll(i => i.Target);
        var parents = UploadLayout.ParentsOf(targets);
        var (missing, _) = await MissingLevelsAsync(host, parents);
        var layout = UploadLayout.Create(targets, id, missing);
        var streamFile = sandbox.Combine("stream-" + id + ".tar");
        await UploadStream.SendAsync(File.Create(streamFile), bookkeeping, layout, items, items.Sum(i => i.Size), split, null, null, default);
        if (cut is not null)
        {
            using var f = File.OpenWrite(streamFile);
            f.SetLength(cut(f.Length));
        }

        using var input = File.OpenRead(streamFile);
        var spec = new CommandSpec(RemoteScripts.UploadArgv(bookkeeping, placer, split: split)) { StandardInput = input };
        return await host.RunAsync(path is null ? spec : spec.WithEnvironment("PATH", path));
    }

    /// <summary>What RemoteFiles.MissingLevelsAsync does, on the local machine: the script's answers and their reading.</summary>
    public static async Task<(Dictionary<string, int> Levels, List<string> Answers)> MissingLevelsAsync(LocalHost host, IReadOnlyList<string> directories)
    {
        var query = MissingDirectories.Plan(directories);
        var answers = new List<string>();
        var missing = new List<int>();
        var prefixMissing = 0;
        foreach (var (first, args) in MissingDirectories.Batches(query))
        {
            var r = await host.RunScriptAsync(RemoteScripts.MissingLevels, args);
            r.ExitCode.Should().Be(0, r.StandardError);
            answers.Add(r.StandardOutput);
            MissingDirectories.TryParse(r.StandardOutput, first, out prefixMissing, out var found).Should().BeTrue(r.StandardOutput);
            missing.AddRange(found);
        }

        return (MissingDirectories.Read(query, directories, prefixMissing, missing)!, answers);
    }
}
