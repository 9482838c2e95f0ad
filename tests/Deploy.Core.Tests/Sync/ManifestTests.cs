using System.Diagnostics;
using Deploy.Core.Hosts;
using Deploy.Core.Sync;
using Deploy.Testing;

namespace Deploy.Core.Tests.Sync;

public sealed class ManifestTests
{
    private static readonly DateTime Second = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Scan_records_size_mode_and_full_precision_mtime_with_prefixed_keys()
    {
        using var dir = new TempDirectory();
        var f = dir.WriteFile("a/b.txt", "hello");
        File.SetLastWriteTimeUtc(f, Second.AddTicks(1234567));

        var files = await ManifestScanner.ScanDirectoryAsync(dir.Path, "/opt/app");

        var e = files.Single().Entry;
        e.Path.Should().Be("/opt/app/a/b.txt");
        e.Size.Should().Be(5);
        e.ModifiedUtcTicks.Should().Be(Second.AddTicks(1234567).Ticks);
        e.Sha256.Should().BeNull();
    }

    [Fact]
    public async Task Scan_finds_every_file_of_a_wide_deep_tree_once_and_skips_symlinks_and_their_loops()
    {
        using var dir = new TempDirectory();
        var expected = new List<string>();
        expected.Add("/t/root.txt");
        dir.WriteFile("root.txt", "r");
        for (var i = 0; i < 30; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                var rel = $"d{i}/e{j}/deeper/f{i}-{j}.txt";
                dir.WriteFile(rel, rel);
                expected.Add("/t/" + rel);
            }
        }

        File.CreateSymbolicLink(dir.Combine("d0/link-to-file"), dir.Combine("root.txt"));
        Directory.CreateSymbolicLink(dir.Combine("d1/link-to-dir"), dir.Combine("d2"));
        Directory.CreateSymbolicLink(dir.Combine("d3/e0/loop"), dir.Path);

        var files = await ManifestScanner.ScanDirectoryAsync(dir.Path, "/t");

        files.Select(f => f.Entry.Path).Should().BeEquivalentTo(expected);
        files.Select(f => f.LocalPath).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Same_size_rewrite_within_the_same_second_is_detected_in_quick_mode()
    {
        using var dir = new TempDirectory();
        var f = dir.WriteFile("x.conf", "level=1");
        File.SetLastWriteTimeUtc(f, Second.AddMilliseconds(100));
        var before = new FileManifest((await ManifestScanner.ScanDirectoryAsync(dir.Path)).Select(s => s.Entry));

        File.WriteAllText(f, "level=2");
        File.SetLastWriteTimeUtc(f, Second.AddMilliseconds(400));
        var after = new FileManifest((await ManifestScanner.ScanDirectoryAsync(dir.Path)).Select(s => s.Entry));

        var diff = ManifestDiff.Compare(after, before, CompareMode.Quick);
        diff.Changes.Should().ContainSingle().Which.Describe().Should().Be("mtime 2026-03-01T12:00:00.1000000Z -> 2026-03-01T12:00:00.4000000Z");
    }

    [Fact]
    public async Task Identical_size_and_mtime_change_is_missed_in_quick_mode_and_found_in_checksum_mode()
    {
        using var dir = new TempDirectory();
        var f = dir.WriteFile("x.conf", "level=1");
        File.SetLastWriteTimeUtc(f, Second);
        var quickBefore = Manifest(await ManifestScanner.ScanDirectoryAsync(dir.Path));
        var sumBefore = Manifest(await ManifestScanner.ScanDirectoryAsync(dir.Path, mode: CompareMode.Checksum));

        File.WriteAllText(f, "level=2");
        File.SetLastWriteTimeUtc(f, Second); // same size, mtime restored exactly

        ManifestDiff.Compare(Manifest(await ManifestScanner.ScanDirectoryAsync(dir.Path)), quickBefore, CompareMode.Quick).IsEmpty.Should().BeTrue("quick mode trusts size + mtime (documented)");
        var sum = ManifestDiff.Compare(Manifest(await ManifestScanner.ScanDirectoryAsync(dir.Path, mode: CompareMode.Checksum)), sumBefore, CompareMode.Checksum);
        sum.Changes.Should().ContainSingle().Which.Describe().Should().StartWith("sha256 ");
    }

    [Fact]
    public void Diff_reports_added_modified_and_removed_files()
    {
        var old = new FileManifest([new FileEntry("a", 1, 1, UnixFileMode.UserRead), new FileEntry("b", 1, 1, UnixFileMode.UserRead)]);
        var now = new FileManifest([new FileEntry("a", 2, 1, UnixFileMode.UserRead), new FileEntry("c", 1, 1, UnixFileMode.UserRead)]);

        var diff = ManifestDiff.Compare(now, old);

        diff.Changes.Select(c => (c.Kind, c.Path)).Should().BeEquivalentTo(new[] { (FileChangeKind.Modified, "a"), (FileChangeKind.Added, "c"), (FileChangeKind.Removed, "b") });
        diff.Changes.Single(c => c.Path == "a").Describe().Should().Be("size 1 -> 2");
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Rsync_quick_check_misses_a_same_second_same_size_rewrite_that_our_manifest_sees()
    {
        using var dir = new TempDirectory();
        var src = dir.WriteFile("src/x.conf", "level=1");
        Directory.CreateDirectory(dir.Combine("dst"));
        File.SetLastWriteTimeUtc(src, Second.AddMilliseconds(100));
        await Rsync(dir.Combine("src") + "/", dir.Combine("dst") + "/");
        var deployed = Manifest(await ManifestScanner.ScanDirectoryAsync(dir.Combine("src")));

        File.WriteAllText(src, "level=2");
        File.SetLastWriteTimeUtc(src, Second.AddMilliseconds(700));
        await Rsync(dir.Combine("src") + "/", dir.Combine("dst") + "/");

        File.ReadAllText(dir.Combine("dst/x.conf")).Should().Be("level=1", "rsync compares whole seconds on this rewrite");
        ManifestDiff.Compare(Manifest(await ManifestScanner.ScanDirectoryAsync(dir.Combine("src"))), deployed).IsEmpty.Should().BeFalse();
    }

    [Fact]
    public async Task Scan_agrees_with_the_NET_file_info_of_every_file_in_a_tree_of_odd_names_modes_times_and_links()
    {
        using var dir = new TempDirectory();
        var count = OddTree(dir);

        var files = await ManifestScanner.ScanDirectoryAsync(dir.Path, "/opt/app");

        var skipLinks = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var expected = new DirectoryInfo(dir.Path).EnumerateFiles("*", skipLinks)
            .Select(f => (Path: "/opt/app/" + System.IO.Path.GetRelativePath(dir.Path, f.FullName), f.Length, f.LastWriteTimeUtc.Ticks, f.UnixFileMode, f.FullName))
            .ToList();
        expected.Should().HaveCount(count);
        files.Select(f => (f.Entry.Path, f.Entry.Size, f.Entry.ModifiedUtcTicks, f.Entry.Mode, f.LocalPath)).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task Scan_with_the_NET_enumeration_used_where_readdir_and_statx_are_unavailable_finds_the_same_files()
    {
        using var dir = new TempDirectory();
        var count = OddTree(dir);
        var lean = await ManifestScanner.ScanDirectoryAsync(dir.Path, "/opt/app");

        IReadOnlyList<ScannedFile> dotNet;
        ManifestScanner.ListWithDotNet.Value = true;
        try
        {
            dotNet = await ManifestScanner.ScanDirectoryAsync(dir.Path, "/opt/app", CompareMode.Checksum);
        }
        finally
        {
            ManifestScanner.ListWithDotNet.Value = false;
        }

        dotNet.Should().HaveCount(count);
        dotNet.Select(f => (f.Entry.Path, f.Entry.Size, f.Entry.ModifiedUtcTicks, f.Entry.Mode, f.LocalPath))
            .Should().BeEquivalentTo(lean.Select(f => (f.Entry.Path, f.Entry.Size, f.Entry.ModifiedUtcTicks, f.Entry.Mode, f.LocalPath)));
        dotNet.Should().OnlyContain(f => f.Entry.Sha256 != null, "checksum mode hashes what the .NET listing found");

        // Proof that the switch took the other path: only the .NET listing takes a FIFO for a file.
        using var fifo = new TempDirectory();
        fifo.WriteFile("real.txt", "r");
        await MakeFifo(fifo.Combine("pipe"));
        (await ManifestScanner.ScanDirectoryAsync(fifo.Path, "/t")).Select(f => f.Entry.Path).Should().Equal("/t/real.txt");
        ManifestScanner.ListWithDotNet.Value = true;
        try
        {
            (await ManifestScanner.ScanDirectoryAsync(fifo.Path, "/t")).Select(f => f.Entry.Path).Should().BeEquivalentTo(["/t/real.txt", "/t/pipe"]);
        }
        finally
        {
            ManifestScanner.ListWithDotNet.Value = false;
        }
    }

    private static async Task MakeFifo(string path)
    {
        using var made = Process.Start("mkfifo", [path]);
        await made.WaitForExitAsync();
        made.ExitCode.Should().Be(0);
    }

    /// <summary>Odd names, sizes, times and modes, 300 files over 7 directories, symlinks to a file, nowhere and a directory, an empty directory; returns the regular files' count.</summary>
    private static int OddTree(TempDirectory dir)
    {
        var names = new[] { "plain.txt", "with space.txt", "ünïcødé-文件.bin", "new\nline", ".hidden", "-dash", "a/b/c/d/e/deep.txt", "empty-file", "x/y.so" };
        for (var i = 0; i < names.Length; i++)
        {
            var f = dir.WriteFile(names[i], new string('z', i * 37));
            File.SetLastWriteTimeUtc(f, Second.AddTicks(1_234_567 * (i + 1)));
        }

        for (var i = 0; i < 300; i++)
        {
            dir.WriteFile($"many/m{i % 7}/f{i}.dat", $"{i}");
        }

        File.SetUnixFileMode(dir.Combine("x/y.so"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.SetUser | UnixFileMode.GroupExecute);
        File.SetUnixFileMode(dir.Combine(".hidden"), UnixFileMode.UserRead);
        File.SetUnixFileMode(dir.Combine("-dash"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.StickyBit);
        Directory.CreateDirectory(dir.Combine("empty/dir"));
        File.CreateSymbolicLink(dir.Combine("a/to-file"), dir.Combine("plain.txt"));
        File.CreateSymbolicLink(dir.Combine("a/dangling"), dir.Combine("nowhere"));
        Directory.CreateSymbolicLink(dir.Combine("a/b/to-dir"), dir.Combine("many"));
        return names.Length + 300;
    }

    [Fact]
    public async Task Scan_lists_with_readdir_and_statx_on_64_bit_Linux_so_a_FIFO_is_skipped_rather_than_taken_for_a_file()
    {
        using var dir = new TempDirectory();
        dir.WriteFile("sub/real.txt", "r");
        await MakeFifo(dir.Combine("sub/pipe"));

        // The .NET enumeration reports a FIFO as a FileInfo, which an upload could not read; readdir's type skips it.
        new DirectoryInfo(dir.Combine("sub")).EnumerateFiles().Select(f => f.Name).Should().Contain("pipe");

        var files = await ManifestScanner.ScanDirectoryAsync(dir.Path, "/t");

        OperatingSystem.IsLinux().Should().BeTrue();
        Environment.Is64BitProcess.Should().BeTrue();
        files.Select(f => f.Entry.Path).Should().Equal("/t/sub/real.txt");
    }

    [Fact]
    public async Task Scan_on_a_file_system_whose_directory_entries_carry_no_type_takes_each_type_from_statx_and_finds_what_the_NET_enumeration_finds()
    {
        // ext4 made without its filetype feature: readdir reports DT_UNKNOWN for every entry (as on some older or
        // network file systems), so the lean listing must ask statx what each one is.
        using var images = new TempDirectory("untyped-image");
        using var dir = new TempDirectory("untyped-tree");
        var image = images.Combine("untyped.img");
        using (var file = File.Create(image))
        {
            file.SetLength(64 << 20);
        }

        (await Run("mkfs.ext4", "-q", "-O", "^filetype", image)).Should().BeEmpty();
        (await Run("dumpe2fs", "-h", image)).Should().MatchRegex("Filesystem features:[^\n]*extent").And.NotMatchRegex("Filesystem features:[^\n]*filetype");
        await Run("mount", "-o", "loop", image, dir.Path);
        try
        {
            var count = OddTree(dir);
            await MakeFifo(dir.Combine("a/pipe"));

            var lean = await ManifestScanner.ScanDirectoryAsync(dir.Path, "/opt/app");

            var skipLinks = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
            var expected = new DirectoryInfo(dir.Path).EnumerateFiles("*", skipLinks)
                .Where(f => f.Name != "pipe")
                .Select(f => (Path: "/opt/app/" + System.IO.Path.GetRelativePath(dir.Path, f.FullName), f.Length, f.LastWriteTimeUtc.Ticks, f.UnixFileMode, f.FullName))
                .ToList();
            expected.Should().HaveCount(count);
            lean.Select(f => (f.Entry.Path, f.Entry.Size, f.Entry.ModifiedUtcTicks, f.Entry.Mode, f.LocalPath)).Should().BeEquivalentTo(expected, "directories are entered, links and the FIFO skipped, by what statx says");
        }
        finally
        {
            await Run("umount", dir.Path);
        }
    }

    private static async Task<string> Run(string program, params string[] args)
    {
        await using var local = new LocalHost();
        var result = await local.RunAsync(CommandSpec.Of([program, .. args]));
        result.ExitCode.Should().Be(0, $"{program} {string.Join(' ', args)}: {result.StandardError}");
        return result.StandardOutput;
    }

    private static FileManifest Manifest(IReadOnlyList<ScannedFile> files) => new(files.Select(f => f.Entry));

    private static async Task Rsync(string from, string to)
    {
        using var p = Process.Start(new ProcessStartInfo("rsync", ["-a", from, to]) { RedirectStandardError = true })!;
        await p.WaitForExitAsync();
        p.ExitCode.Should().Be(0);
    }
}
