using System.Diagnostics;
using Deploy.Core.Errors;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Core.Hosts.Ssh.Managed;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

[Trait("Category", "Integration")]
public sealed class SshHostUploadTests : IClassFixture<SshServerFixture>, IDisposable
{
    private readonly SshServer _server;
    private readonly TempDirectory _local = new("ssh-up-src");
    private readonly TempDirectory _remote = new("ssh-up-dst");

    public SshHostUploadTests(SshServerFixture fixture) => _server = fixture.Server;

    public void Dispose()
    {
        _local.Dispose();
        _remote.Dispose();
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("sh")]
    public async Task Upload_places_every_file_with_its_mode_and_full_precision_mtime(string placer)
    {
        await using var host = _server.CreateHost();
        host.ForcePlacer(placer);
        var files = new List<FileUpload>();
        var expected = new Dictionary<string, (byte[] Bytes, UnixFileMode Mode, DateTime Mtime)>();
        var random = new Random(11);
        var names = HostileNames.FileNames.Select(n => (string)n[0]).ToArray();
        for (var i = 0; i < 60; i++)
        {
            var bytes = new byte[random.Next(0, 200_000)];
            random.NextBytes(bytes);
            var local = _local.Combine("f" + i);
            await File.WriteAllBytesAsync(local, bytes);
            var mode = i % 3 == 0 ? (UnixFileMode)Convert.ToInt32("755", 8) : i % 3 == 1 ? (UnixFileMode)Convert.ToInt32("600", 8) : (UnixFileMode)Convert.ToInt32("4711", 8);
            File.SetUnixFileMode(local, mode);
            var mtime = new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1_234_567 + i);
            File.SetLastWriteTimeUtc(local, mtime);
            var target = $"{_remote.Path}/{names[i % names.Length]}/sub {i}/{names[(i + 3) % names.Length]}.{i}";
            files.Add(new FileUpload(local, target));
            expected[target] = (bytes, mode, mtime);
        }

        var reports = new List<TransferProgress>();
        var summary = await host.UploadAsync(files, new SyncProgress(reports.Add));

        summary.Files.Should().Be(60);
        summary.Bytes.Should().Be(expected.Values.Sum(v => (long)v.Bytes.Length));
        reports.Should().HaveCount(60);
        reports[^1].FilesDone.Should().Be(60);
        foreach (var (target, (bytes, mode, mtime)) in expected)
        {
            File.ReadAllBytes(target).Should().Equal(bytes, target);
            File.GetUnixFileMode(target).Should().Be(mode, target);
            File.GetLastWriteTimeUtc(target).Should().Be(mtime, target);
        }

        TempFilesUnder(_remote.Path).Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(_remote.Path, "pwned", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task Whole_second_and_pre_1970_times_arrive_exactly()
    {
        await using var host = _server.CreateHost();
        var whole = new DateTimeOffset(2024, 2, 29, 12, 0, 0, TimeSpan.Zero);
        var old = new DateTimeOffset(1969, 7, 20, 20, 17, 40, TimeSpan.Zero);
        var oldFraction = old.AddTicks(5_000_000);

        await host.UploadAsync(
        [
            new FileUpload(_local.WriteFile("w", "w"), _remote.Path + "/t/whole") { ModifiedTime = whole },
            new FileUpload(_local.WriteFile("o", "o"), _remote.Path + "/t/old") { ModifiedTime = old },
            new FileUpload(_local.WriteFile("f", "f"), _remote.Path + "/t/old-fraction") { ModifiedTime = oldFraction },
        ]);

        File.GetLastWriteTimeUtc(_remote.Path + "/t/whole").Should().Be(whole.UtcDateTime);
        File.GetLastWriteTimeUtc(_remote.Path + "/t/old").Should().Be(old.UtcDateTime);
        File.GetLastWriteTimeUtc(_remote.Path + "/t/old-fraction").Should().Be(oldFraction.UtcDateTime);
    }

    [Fact]
    public async Task Upload_overrides_mode_and_time_and_replaces_existing_files()
    {
        await using var host = _server.CreateHost();
        var local = _local.WriteFile("a.txt", "new");
        var target = _remote.Path + "/app/a.txt";
        Directory.CreateDirectory(_remote.Path + "/app");
        File.WriteAllText(target, "old");
        var when = new DateTimeOffset(2001, 9, 9, 1, 46, 40, TimeSpan.Zero).AddTicks(42);

        await host.UploadAsync([new FileUpload(local, target) { Mode = UnixFileMode.UserRead, ModifiedTime = when }]);

        File.ReadAllText(target).Should().Be("new");
        File.GetUnixFileMode(target).Should().Be(UnixFileMode.UserRead);
        new DateTimeOffset(File.GetLastWriteTimeUtc(target)).Should().Be(when);
    }

    [Theory]
    [InlineData("auto", "guess")]
    [InlineData("sh", "guess")]
    [InlineData("auto", "check")]
    [InlineData("sh", "check")]
    [InlineData("auto", "agent")]
    public async Task Upload_into_new_and_existing_directories_places_each_file_once_and_leaves_no_temps(string placer, string layout)
    {
        await using var host = _server.CreateHost();
        host.ForcePlacer(placer);
        host.GuessLayout = layout == "guess"; // otherwise laid out on the check: in the upload's channel, or on the agent
        host.InChannelCheckBytes = layout == "agent" ? 0 : host.InChannelCheckBytes;
        Directory.CreateDirectory(_remote.Path + "/app/old");
        File.WriteAllText(_remote.Path + "/app/old/keep.txt", "keep");
        File.WriteAllText(_remote.Path + "/app/old/replace.txt", "old");
        var targets = new[]
        {
            "/app/old/replace.txt", "/app/old/new.txt", "/app/fresh/a.txt", "/app/fresh/deep/er/b.txt",
            "/app/fresh/deep/c.txt", "/app/other/d.txt", "/brand new/中文/e.txt", "/app/old/sub/f.txt",
        };
        var when = new DateTimeOffset(2019, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(7_654_321);
        var files = targets.Select((t, i) => new FileUpload(_local.WriteFile("u" + i, t), _remote.Path + t) { ModifiedTime = when.AddTicks(i) }).ToList();

        await host.UploadAsync(files);

        for (var i = 0; i < targets.Length; i++)
        {
            File.ReadAllText(_remote.Path + targets[i]).Should().Be(targets[i]);
            new DateTimeOffset(File.GetLastWriteTimeUtc(_remote.Path + targets[i])).Should().Be(when.AddTicks(i), targets[i]);
        }

        File.ReadAllText(_remote.Path + "/app/old/keep.txt").Should().Be("keep");
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("sh")]
    public async Task A_directory_that_appears_during_the_upload_is_merged_into_not_replaced(string placer)
    {
        await using var host = _server.CreateHost();
        host.ForcePlacer(placer);
        host.AssumeDirectoriesMissing = true;
        Directory.CreateDirectory(_remote.Path + "/app/conf/deep");
        File.WriteAllText(_remote.Path + "/app/conf/theirs.txt", "theirs");
        File.WriteAllText(_remote.Path + "/app/conf/deep/mine.txt", "old");
        Directory.CreateDirectory(_remote.Path + "/app/empty");

        await host.UploadAsync(
        [
            new FileUpload(_local.WriteFile("m", "new"), _remote.Path + "/app/conf/deep/mine.txt"),
            new FileUpload(_local.WriteFile("n", "n"), _remote.Path + "/app/conf/n.txt"),
            new FileUpload(_local.WriteFile("e", "e"), _remote.Path + "/app/empty/e.txt"),
        ]);

        File.ReadAllText(_remote.Path + "/app/conf/theirs.txt").Should().Be("theirs");
        File.ReadAllText(_remote.Path + "/app/conf/deep/mine.txt").Should().Be("new");
        File.ReadAllText(_remote.Path + "/app/conf/n.txt").Should().Be("n");
        File.ReadAllText(_remote.Path + "/app/empty/e.txt").Should().Be("e");
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Theory]
    [InlineData(SshTransport.OpenSsh)]
    [InlineData(SshTransport.Managed)]
    public async Task An_upload_whose_common_directory_cannot_be_written_is_laid_out_again_on_a_check_and_its_progress_never_goes_back(SshTransport transport)
    {
        var logger = new CapturingLogger<SshHost>();
        var managedLogger = new CapturingLogger<ManagedSshHost>();
        var options = _server.HostOptions() with { Transport = transport };
        await using IHost host = transport == SshTransport.Managed ? new ManagedSshHost(options, managedLogger) : new SshHost(options, logger);
        var progress = new List<TransferProgress>();
        string[] targets = ["/ro/a/x.txt", "/ro/a/y.txt", "/ro/b/z.txt"];
        Directory.CreateDirectory(_remote.Path + "/ro/a");
        Directory.CreateDirectory(_remote.Path + "/ro/b");

        // The guess's anchor, /ro, is immutable (not even root may make an entry in it), the directories under it are
        // not: the script refuses the anchor before reading, and the upload laid out on the check places the files.
        await Chattr("+i", _remote.Path + "/ro");
        try
        {
            await host.UploadAsync(targets.Select(t => new FileUpload(_local.WriteFile(t.Replace('/', '_'), t), _remote.Path + t)).ToList(), new SyncProgress(progress.Add));
        }
        finally
        {
            await Chattr("-i", _remote.Path + "/ro");
        }

        foreach (var t in targets)
        {
            File.ReadAllText(_remote.Path + t).Should().Be(t);
        }

        logger.Messages.Concat(managedLogger.Messages).Should().ContainSingle(m => m.Contains("laid out again on a check", StringComparison.Ordinal) && m.Contains(_remote.Path + "/ro", StringComparison.Ordinal));
        progress.Select(p => p.FilesDone).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems().And.EndWith(3);
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("sh")]
    public async Task A_guessed_upload_into_an_existing_tree_merges_into_it_and_keeps_what_was_there(string placer)
    {
        await using var host = _server.CreateHost();
        host.ForcePlacer(placer);
        Directory.CreateDirectory(_remote.Path + "/app/conf/deep");
        File.WriteAllText(_remote.Path + "/app/conf/theirs.txt", "theirs");
        File.WriteAllText(_remote.Path + "/app/conf/mine.txt", "old");
        Directory.CreateDirectory(_remote.Path + "/app/empty");
        string[] targets = ["/app/conf/mine.txt", "/app/conf/deep/new/er/f.txt", "/app/bin/run", "/app/empty/e.txt", "/app/top.txt"];

        // The anchor, /app, exists: the layout guesses conf, bin and empty missing, and placement merges where they exist.
        await host.UploadAsync(targets.Select(t => new FileUpload(_local.WriteFile(t.Replace('/', '_'), t), _remote.Path + t)).ToList());

        foreach (var t in targets)
        {
            File.ReadAllText(_remote.Path + t).Should().Be(t);
        }

        File.ReadAllText(_remote.Path + "/app/conf/theirs.txt").Should().Be("theirs");
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Upload_under_a_path_that_is_a_file_fails_cleanly_without_temps()
    {
        await using var host = _server.CreateHost();
        Directory.CreateDirectory(_remote.Path + "/app");
        File.WriteAllText(_remote.Path + "/app/file", "x");

        var act = () => host.UploadAsync([new FileUpload(_local.WriteFile("a", "a"), _remote.Path + "/app/file/inner/a.txt")]);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.TransferFailed);
        File.ReadAllText(_remote.Path + "/app/file").Should().Be("x");
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Upload_of_a_missing_local_file_fails_before_sending_anything()
    {
        await using var host = _server.CreateHost();

        var act = () => host.UploadAsync([new FileUpload(_local.Combine("missing"), _remote.Path + "/x")]);

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
        e.Path.Should().Be(_local.Combine("missing"));
    }

    [Fact]
    public async Task Upload_onto_a_directory_fails_cleanly_without_temp_files()
    {
        await using var host = _server.CreateHost();
        Directory.CreateDirectory(_remote.Path + "/dir/taken/inner");
        var local = _local.WriteFile("a", "a");

        var act = () => host.UploadAsync([new FileUpload(local, _remote.Path + "/dir/taken")]);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.TransferFailed);
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Connection_killed_mid_upload_leaves_no_partial_file_at_any_destination(int retries)
    {
        await using var host = _server.CreateHost(o => o with { RetryAttempts = retries, RetryDelay = TimeSpan.FromMilliseconds(200), RemoteTempDirectory = _remote.Path + "/bk" });
        await host.RunAsync(CommandSpec.Of("mkdir", "-p", _remote.Path + "/bk"));
        var files = new List<FileUpload>();
        var content = new byte[4_000_000];
        new Random(5).NextBytes(content);
        for (var i = 0; i < 60; i++)
        {
            var local = _local.Combine("big" + i);
            content[0] = (byte)i;
            await File.WriteAllBytesAsync(local, content);
            files.Add(new FileUpload(local, $"{_remote.Path}/dst/中文 {i}.bin"));
        }

        var killed = 0;
        var progress = new SyncProgress(p =>
        {
            if (p.FilesDone == 20 && Interlocked.Exchange(ref killed, 1) == 0)
            {
                _server.KillAllConnections();
            }
        });

        DeployException? error = null;
        try
        {
            await host.UploadAsync(files, progress);
        }
        catch (DeployException e)
        {
            error = e;
        }

        killed.Should().Be(1);
        if (retries == 0)
        {
            error.Should().NotBeNull("the transfer was cut and no retry was allowed");
            error!.Code.Should().BeOneOf(DeployErrorCode.HostUnreachable, DeployErrorCode.TransferFailed);
        }
        else
        {
            error.Should().BeNull("the upload is idempotent and retried on a new connection");
        }

        // Whatever is at a destination path is complete.
        for (var i = 0; i < files.Count; i++)
        {
            var target = files[i].TargetPath;
            if (File.Exists(target))
            {
                var bytes = File.ReadAllBytes(target);
                bytes.Length.Should().Be(content.Length, target);
                bytes[0].Should().Be((byte)i);
            }
            else
            {
                retries.Should().Be(0, $"{target} must exist after a successful retry");
            }
        }

        if (retries == 0)
        {
            files.Where(f => File.Exists(f.TargetPath)).Should().BeEmpty("files are placed only after the whole stream arrived");

            // The cut upload cleans up after itself, or the next upload does.
            await host.UploadAsync([new FileUpload(files[0].LocalPath, _remote.Path + "/after.bin")]);
        }

        await WaitUntilAsync(() => !TempFilesUnder(_remote.Path).Any());
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task Next_upload_removes_the_temp_files_of_an_upload_that_was_killed_outright()
    {
        await using var host = _server.CreateHost(o => o with { RemoteTempDirectory = _remote.Path + "/bk" });
        var stale = _remote.Path + "/bk/.deploy-up-deadbeef0000";
        Directory.CreateDirectory(stale);
        Directory.CreateDirectory(_remote.Path + "/app");
        var orphan = _remote.Path + "/app/.deploy-tmp-deadbeef0000-0";
        File.WriteAllText(orphan, "partial");
        File.WriteAllText(stale + "/list", orphan + "\0" + _remote.Path + "/app/file\0");
        using (var dead = Process.Start("true")!)
        {
            await dead.WaitForExitAsync();
            File.WriteAllText(stale + "/pid", dead.Id + "\n");
        }

        await host.UploadAsync([new FileUpload(_local.WriteFile("n", "n"), _remote.Path + "/app/new")]);

        File.Exists(orphan).Should().BeFalse();
        Directory.Exists(stale).Should().BeFalse();
        File.Exists(_remote.Path + "/app/file").Should().BeFalse();
        File.ReadAllText(_remote.Path + "/app/new").Should().Be("n");
    }

    [Fact]
    public async Task Uploads_in_progress_are_left_alone_and_dead_ones_are_cleaned_up()
    {
        await using var host = _server.CreateHost(o => o with { RemoteTempDirectory = _remote.Path + "/bk" });
        var bk = _remote.Path + "/bk";
        Directory.CreateDirectory(bk);
        var live = Environment.ProcessId;
        int dead;
        using (var p = Process.Start("true")!)
        {
            await p.WaitForExitAsync();
            dead = p.Id;
        }

        // Starting: the owner mark exists, tar has not created the bookkeeping directory yet.
        File.WriteAllText($"{bk}/.deploy-own-0123456789ab.{live}", "");
        // Streaming: mark and directory.
        File.WriteAllText($"{bk}/.deploy-own-ba9876543210.{live}", "");
        Directory.CreateDirectory($"{bk}/.deploy-up-ba9876543210");
        // Dead: its temp file goes too.
        Directory.CreateDirectory(_remote.Path + "/app");
        var orphan = _remote.Path + "/app/.deploy-tmp-deadbeef0000-0";
        File.WriteAllText(orphan, "partial");
        File.WriteAllText($"{bk}/.deploy-own-deadbeef0000.{dead}", "");
        Directory.CreateDirectory($"{bk}/.deploy-up-deadbeef0000");
        File.WriteAllText($"{bk}/.deploy-up-deadbeef0000/list", orphan + "\0" + _remote.Path + "/app/file\0\0");

        await host.UploadAsync([new FileUpload(_local.WriteFile("n", "n"), _remote.Path + "/app/new")]);

        Directory.EnumerateFileSystemEntries(bk).Order().Should().Equal(
            $"{bk}/.deploy-own-0123456789ab.{live}", $"{bk}/.deploy-own-ba9876543210.{live}", $"{bk}/.deploy-up-ba9876543210");
        File.Exists(orphan).Should().BeFalse();
        File.ReadAllText(_remote.Path + "/app/new").Should().Be("n");
    }

    [Fact]
    public async Task Concurrent_uploads_sharing_a_temp_directory_never_remove_each_others_files()
    {
        var bookkeeping = _remote.Path + "/bk";
        var hosts = Enumerable.Range(0, 6).Select(_ => _server.CreateHost(o => o with { RemoteTempDirectory = bookkeeping })).ToList();
        try
        {
            var local = _local.WriteFile("payload", "payload");
            for (var round = 0; round < 12; round++)
            {
                await Task.WhenAll(hosts.Select((h, i) =>
                    h.UploadAsync([new FileUpload(local, $"{_remote.Path}/r{round}/h{i}/a/b/file")])));
            }

            for (var round = 0; round < 12; round++)
            {
                for (var i = 0; i < hosts.Count; i++)
                {
                    File.ReadAllText($"{_remote.Path}/r{round}/h{i}/a/b/file").Should().Be("payload");
                }
            }

            TempFilesUnder(_remote.Path).Should().BeEmpty();
        }
        finally
        {
            foreach (var h in hosts)
            {
                await h.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_gated_upload_streams_at_once_but_places_only_after_the_gate()
    {
        await using var host = _server.CreateHost(o => o with { RemoteTempDirectory = _remote.Path + "/bk" });
        var gate = new TaskCompletionSource();
        var files = Enumerable.Range(0, 50).Select(i => new FileUpload(_local.WriteFile("g" + i, "g" + i), $"{_remote.Path}/gated/sub/{i}")).ToList();

        var upload = host.UploadGatedAsync(files, gate.Task);
        await WaitUntilAsync(() => Directory.Exists(_remote.Path + "/bk") && Directory.EnumerateFileSystemEntries(_remote.Path, ".deploy-tmp-*", SearchOption.AllDirectories).Any());
        await Task.Delay(300);

        upload.IsCompleted.Should().BeFalse();
        Directory.Exists(_remote.Path + "/gated").Should().BeFalse("nothing is placed before the gate passes");
        gate.SetResult();
        (await upload).Files.Should().Be(50);
        File.ReadAllText($"{_remote.Path}/gated/sub/49").Should().Be("g49");
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task A_failed_gate_fails_the_upload_with_its_exception_and_places_nothing()
    {
        await using var host = _server.CreateHost(o => o with { RemoteTempDirectory = _remote.Path + "/bk" });
        Directory.CreateDirectory(_remote.Path + "/app");
        File.WriteAllText(_remote.Path + "/app/old", "old");

        var act = () => host.UploadGatedAsync(
            [new FileUpload(_local.WriteFile("x", "new"), _remote.Path + "/app/old"), new FileUpload(_local.WriteFile("y", "y"), _remote.Path + "/app/new/y")],
            Task.Delay(200).ContinueWith(_ => throw new DeployException(DeployErrorCode.RemoteIoFailed, "journal write failed"), TaskScheduler.Default));

        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().Be("journal write failed");
        File.ReadAllText(_remote.Path + "/app/old").Should().Be("old");
        Directory.Exists(_remote.Path + "/app/new").Should().BeFalse();
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task A_missing_anchor_and_the_directories_made_above_it_are_removed_again_when_the_upload_fails_and_made_by_a_good_one_without_a_check()
    {
        var logger = new CapturingLogger<SshHost>();
        await using var host = new SshHost(_server.HostOptions(), logger);
        var upload = (string name) => new FileUpload(_local.WriteFile(name, name), _remote.Path + "/fresh/er/" + name);

        // The anchor /fresh/er is made, with /fresh, when the upload starts; the second source is missing, so the
        // stream is cut: nothing is placed, and both directories are removed again.
        var act = () => host.UploadAsync([upload("a/x"), new FileUpload(_local.Combine("missing"), _remote.Path + "/fresh/er/b/y")]);
        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
        Directory.Exists(_remote.Path + "/fresh").Should().BeFalse();
        Directory.Exists(_remote.Path).Should().BeTrue("a directory that was there is not removed");

        await host.UploadAsync([upload("a/x"), upload("b/y")]);
        File.ReadAllText(_remote.Path + "/fresh/er/b/y").Should().Be("b/y");
        logger.Messages.Should().NotContain(m => m.Contains("laid out again on a check", StringComparison.Ordinal), "a first upload two levels deep needs no check");
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task A_gated_upload_makes_no_directory_before_its_gate_even_where_its_anchor_could_be_made()
    {
        await using var host = _server.CreateHost();
        var gate = new TaskCompletionSource();
        var files = Enumerable.Range(0, 20).Select(i => new FileUpload(_local.WriteFile("h" + i, "h" + i), $"{_remote.Path}/app/{i % 2}/{i}")).ToList();

        // The anchor /app is missing and its parent exists: an ungated upload would make it at once.
        var upload = host.UploadGatedAsync(files, gate.Task);
        await WaitUntilAsync(() => Directory.EnumerateFileSystemEntries(_remote.Path, ".deploy-tmp-*", SearchOption.AllDirectories).Any());
        await Task.Delay(300);

        Directory.Exists(_remote.Path + "/app").Should().BeFalse("nothing visible appears before the gate passes");
        gate.SetResult();
        (await upload).Files.Should().Be(20);
        File.ReadAllText($"{_remote.Path}/app/1/19").Should().Be("h19");
    }

    [Fact]
    public async Task Progress_totals_come_from_size_hints_without_a_stat_and_the_bytes_from_the_files()
    {
        await using var host = _server.CreateHost();
        var reports = new List<TransferProgress>();

        await host.UploadAsync(
            [
                new FileUpload(_local.WriteFile("h1", "12345"), _remote.Path + "/h/1") { SizeHint = 5 },
                new FileUpload(_local.WriteFile("h2", "123"), _remote.Path + "/h/2") { SizeHint = 1000 },
            ],
            new SyncProgress(reports.Add));

        reports.Select(r => r.BytesTotal).Should().AllBeEquivalentTo(1005L, "the hints are trusted for the total");
        reports[^1].BytesDone.Should().Be(8);
        File.ReadAllText(_remote.Path + "/h/2").Should().Be("123");
    }

    [Fact]
    public async Task Cancelled_upload_leaves_no_partial_file()
    {
        await using var host = _server.CreateHost(o => o with { RemoteTempDirectory = _remote.Path + "/bk" });
        await host.RunAsync(CommandSpec.Of("mkdir", "-p", _remote.Path + "/bk"));
        var content = new byte[4_000_000];
        var files = Enumerable.Range(0, 40).Select(i =>
        {
            var local = _local.Combine("c" + i);
            File.WriteAllBytes(local, content);
            return new FileUpload(local, $"{_remote.Path}/cancel/{i}");
        }).ToList();
        using var cts = new CancellationTokenSource();

        var act = () => host.UploadAsync(files, new SyncProgress(p =>
        {
            if (p.FilesDone == 10)
            {
                cts.Cancel();
            }
        }), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        files.Where(f => File.Exists(f.TargetPath)).Should().BeEmpty();
        await WaitUntilAsync(() => !TempFilesUnder(_remote.Path).Any());
        TempFilesUnder(_remote.Path).Should().BeEmpty();
    }

    private static async Task Chattr(string flag, string path)
    {
        await using var local = new LocalHost();
        var result = await local.RunAsync(CommandSpec.Of("chattr", flag, path));
        result.ExitCode.Should().Be(0, $"chattr {flag} {path}: {result.StandardError}");
    }

    /// <summary>The upload temps and bookkeeping (<c>.deploy-*</c>) left anywhere under <paramref name="root"/>.</summary>
    internal static IEnumerable<string> TempFilesUnder(string root)
        => Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Where(f => f.Contains("/.deploy-", StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var sw = Stopwatch.StartNew();
        while (!condition() && sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }
    }

    private sealed class SyncProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }
}
