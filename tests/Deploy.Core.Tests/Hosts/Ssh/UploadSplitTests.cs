using System.Buffers.Binary;
using System.Formats.Tar;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>
/// The split upload (<see cref="UploadFrames"/>): the two-tar stream the client writes, and <c>host-upload.sh</c>
/// with <c>host-upload-split.pl</c> run directly on this machine, two real tars extracting it.
/// </summary>
public sealed class UploadSplitTests : IDisposable
{
    private static readonly DateTimeOffset Time = new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1_234_567);
    private readonly TempDirectory _sandbox = new("upload-split");
    private readonly LocalHost _local = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task A_split_stream_sends_the_manifest_first_then_two_whole_archives_that_share_the_files_by_bytes_and_the_commit_mark_after_both()
    {
        var uploads = Files(40, "/srv/app");
        var items = UploadStream.Prepare(uploads, needSizes: true);
        var targets = items.ConvertAll(i => i.Target);
        var layout = UploadLayout.Create(targets, "0123456789ab", UploadLayout.ParentsOf(targets).ToDictionary(p => p, _ => 1));
        var output = new MemoryStream();

        await UploadStream.SendAsync(output, "/tmp/.deploy-up-0123456789ab", layout, items, items.Sum(i => i.Size), split: true, null, null, default);

        var frames = Frames(output.ToArray());
        frames[0].Tag.Should().Be('L');
        frames[0].Data.Should().Equal(layout.Manifest);
        frames[^1].Should().Match<(char Tag, byte[] Data)>(f => f.Tag == 'E' && f.Data.Length == 0);
        frames.Skip(1).SkipLast(1).Should().AllSatisfy(f => f.Tag.Should().BeOneOf('0', '1'))
            .And.AllSatisfy(f => f.Data.Length.Should().BeInRange(1, UploadFrames.FrameBytes));
        frames.FindLastIndex(f => f.Tag == '1').Should().BeLessThan(frames.FindLastIndex(f => f.Tag == '0'), "stream 0's end, with the commit mark, comes last");

        var streams = new[] { '0', '1' }.Select(tag => Entries(frames.Where(f => f.Tag == tag).SelectMany(f => f.Data).ToArray())).ToArray();
        streams[0][^1].Name.Should().Be("tmp/.deploy-up-0123456789ab/done", "the commit mark is the last entry of stream 0");
        var files = streams.SelectMany(s => s).Where(e => !e.Name.EndsWith("/done", StringComparison.Ordinal)).ToList();
        files.Select(e => "/" + e.Name).Should().BeEquivalentTo(layout.StreamNames, "every file travels once, in one of the two streams");
        foreach (var (name, bytes, modified) in files)
        {
            var i = Array.IndexOf(layout.StreamNames, "/" + name);
            bytes.Should().Equal(File.ReadAllBytes(uploads[i].LocalPath), name);
            modified.Should().Be(Time.AddTicks(i), name);
        }

        var share = streams.Select(s => s.Sum(e => (long)e.Bytes.Length)).ToArray();
        ((double)share[0] / share.Sum()).Should().BeInRange(0.4, 0.6, "the stream with fewer bytes takes the next file");
        streams[0].Should().Contain(e => e.Name.EndsWith(".f0", StringComparison.Ordinal), "stream 0 starts with the first half");
        streams[1].Should().Contain(e => e.Name.EndsWith(".f39", StringComparison.Ordinal), "stream 1 ends with the second half");
    }

    [Fact]
    public async Task A_split_upload_is_extracted_by_two_tars_each_given_a_share_and_places_every_file_with_its_mode_and_exact_time()
    {
        // The tar that perl finds first keeps a copy of the archive it is given, then the real tar extracts it.
        var bin = _sandbox.Combine("bin");
        var copies = _sandbox.Combine("copies");
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(copies);
        File.WriteAllText(Path.Combine(bin, "tar"), $"#!/bin/sh\ntee '{copies}'/$$.tar | /usr/bin/tar \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "tar"), (UnixFileMode)0x1ED);
        var dest = _sandbox.Combine("up");
        Directory.CreateDirectory(Path.Combine(dest, "exists"));
        var uploads = Files(30, dest + "/exists").Concat(Files(30, dest + "/new/tree", from: 30)).ToList();

        var result = await UploadScriptRun.RunAsync(_local, _sandbox, uploads, "auto", split: true, path: bin + ":" + Environment.GetEnvironmentVariable("PATH"));

        result.ExitCode.Should().Be(0, result.StandardError);
        for (var i = 0; i < uploads.Count; i++)
        {
            var target = uploads[i].TargetPath;
            File.ReadAllBytes(target).Should().Equal(File.ReadAllBytes(uploads[i].LocalPath), target);
            File.GetUnixFileMode(target).Should().Be(uploads[i].Mode!.Value, target);
            File.GetLastWriteTimeUtc(target).Should().Be(Time.AddTicks(i).UtcDateTime, target);
        }

        var archives = Directory.GetFiles(copies).Select(a => Entries(File.ReadAllBytes(a))).ToList();
        archives.Should().HaveCount(2, "two tars extract the upload").And.AllSatisfy(a => a.Count.Should().BeGreaterThan(10, "each has its share"));
        archives.Sum(a => a.Count).Should().Be(uploads.Count + 1, "every file once, and the commit mark");
        Leftovers(dest).Should().BeEmpty();
    }

    public static TheoryData<string, int> Cuts => new()
    {
        { "inside the manifest's frame", 12 },
        { "in the middle", -2 },
        { "just before the end frame", -5 },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public async Task A_split_upload_cut_anywhere_places_nothing_and_leaves_no_temp(string where, int keep)
    {
        var dest = _sandbox.Combine("up");
        Directory.CreateDirectory(Path.Combine(dest, "exists"));
        var uploads = Files(20, dest + "/exists").Concat(Files(20, dest + "/new/tree", from: 20)).ToList();

        var result = await UploadScriptRun.RunAsync(_local, _sandbox, uploads, "auto", split: true, cut: length => keep > 0 ? keep : keep == -2 ? length / 2 : length + keep);

        result.ExitCode.Should().Be(2, where);
        result.StandardError.Should().Contain("cut off before its end", where);
        Directory.GetFileSystemEntries(dest, "*", SearchOption.AllDirectories).Should().Equal([Path.Combine(dest, "exists")], where);
        Leftovers(_sandbox.Combine("book")).Should().BeEmpty(where);
    }

    [Fact]
    public async Task A_split_upload_whose_one_tar_fails_places_nothing_from_the_other_and_removes_both_streams_temps()
    {
        var dest = _sandbox.Combine("up");
        Directory.CreateDirectory(Path.Combine(dest, "exists"));
        Directory.CreateDirectory(Path.Combine(dest, "locked"));
        var uploads = Files(20, dest + "/exists").Append(new FileUpload(_sandbox.WriteFile("src/last", "x"), dest + "/locked/file")).ToList();

        // The last file, in stream 1, travels to a temp beside its destination, in a directory not even root may
        // make an entry in: that tar fails; stream 0's tar extracts all of its files.
        await Chattr("+i", dest + "/locked");
        CommandResult result;
        try
        {
            result = await UploadScriptRun.RunAsync(_local, _sandbox, uploads, "auto", split: true);
        }
        finally
        {
            await Chattr("-i", dest + "/locked");
        }

        result.ExitCode.Should().Be(2, result.StandardError);
        result.StandardError.Should().Contain("Operation not permitted");
        Directory.GetFileSystemEntries(dest, "*", SearchOption.AllDirectories).Order().Should().Equal([Path.Combine(dest, "exists"), Path.Combine(dest, "locked")]);
        Leftovers(_sandbox.Combine("book")).Should().BeEmpty();
    }

    [Fact]
    public async Task A_split_upload_to_a_host_without_perl_exits_6_having_created_nothing_and_unmakes_the_anchor_it_made()
    {
        var path = NoPerlPath.Make(_sandbox.Combine("noperl"));
        var dest = _sandbox.Combine("up");
        Directory.CreateDirectory(dest);
        var uploads = Files(20, dest + "/made/two");
        var items = UploadStream.Prepare(uploads, needSizes: true);
        var targets = items.ConvertAll(i => i.Target);
        var layout = UploadLayout.Create(targets, "0123456789ab", UploadLayout.ParentsOf(targets).ToDictionary(p => p, _ => 2));
        var stream = new MemoryStream();
        var bookkeeping = _sandbox.Combine("book", ".deploy-up-0123456789ab");
        await UploadStream.SendAsync(stream, bookkeeping, layout, items, -1, split: true, null, null, default);

        var result = await _local.RunAsync(new CommandSpec(RemoteScripts.UploadArgv(bookkeeping, "auto", anchor: dest + "/made/two", split: true)) { StandardInput = new MemoryStream(stream.ToArray()) }
            .WithEnvironment("PATH", path));

        result.ExitCode.Should().Be(UploadFrames.SplitRefused, result.StandardError);
        result.StandardError.Should().Contain("no perl");
        Directory.GetFileSystemEntries(dest).Should().BeEmpty("the anchor it made is removed again, and nothing was extracted");
        Directory.Exists(_sandbox.Combine("book")).Should().BeFalse("not even the bookkeeping directory is made");
    }

    [Fact]
    public async Task A_malformed_split_stream_places_nothing()
    {
        var dest = _sandbox.Combine("up");
        var bookkeeping = _sandbox.Combine("book", ".deploy-up-0123456789ab");
        Directory.CreateDirectory(_sandbox.Combine("book"));
        var stream = new MemoryStream();
        UploadFrames.Write(stream, '0', new byte[1024]); // data before the manifest

        var result = await _local.RunAsync(new CommandSpec(RemoteScripts.UploadArgv(bookkeeping, "auto", split: true)) { StandardInput = new MemoryStream(stream.ToArray()) });

        result.ExitCode.Should().Be(2);
        result.StandardError.Should().Contain("malformed");
        Directory.Exists(dest).Should().BeFalse();
        Leftovers(_sandbox.Combine("book")).Should().BeEmpty();
    }

    private async Task Chattr(string flag, string path)
    {
        var result = await _local.RunAsync(CommandSpec.Of("chattr", flag, path));
        result.ExitCode.Should().Be(0, $"chattr {flag} {path}: {result.StandardError}");
    }

    /// <summary><paramref name="count"/> files of 1-60 KB under <paramref name="dir"/>, each with its own mode and an exact time.</summary>
    private List<FileUpload> Files(int count, string dir, int from = 0)
    {
        var random = new Random(from + 7);
        return Enumerable.Range(from, count).Select(i =>
        {
            var bytes = new byte[random.Next(1_000, 60_000)];
            random.NextBytes(bytes);
            var local = _sandbox.Combine("src", $"f{i}");
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            File.WriteAllBytes(local, bytes);
            var mode = i % 2 == 0 ? (UnixFileMode)0x1ED : (UnixFileMode)0x180; // 755, 600
            return new FileUpload(local, $"{dir}/d{i % 3}/file .f{i}") { Mode = mode, ModifiedTime = Time.AddTicks(i) };
        }).ToList();
    }

    private static List<(char Tag, byte[] Data)> Frames(byte[] stream)
    {
        var frames = new List<(char, byte[])>();
        for (var at = 0; at < stream.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(stream.AsSpan(at + 1, 4));
            frames.Add(((char)stream[at], stream.AsSpan(at + 5, length).ToArray()));
            at += 5 + length;
        }

        return frames;
    }

    private static List<(string Name, byte[] Bytes, DateTimeOffset Modified)> Entries(byte[] archive)
    {
        var entries = new List<(string, byte[], DateTimeOffset)>();
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            var bytes = new MemoryStream();
            entry.DataStream?.CopyTo(bytes);
            entries.Add((entry.Name, bytes.ToArray(), entry.ModificationTime));
        }

        return entries;
    }

    private static IEnumerable<string> Leftovers(string root) => Directory.Exists(root) ? SshHostUploadTests.TempFilesUnder(root) : [];
}
