using System.Diagnostics;
using System.Text;
using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>
/// Each remote script (Hosts/Ssh/Scripts) run directly on a LocalHost, with hostile names as arguments: the scripts
/// that declare path arguments run on a rooted host, so the test also proves their paths are mapped.
/// </summary>
public sealed class RemoteScriptTests : IDisposable
{
    private readonly TempDirectory _sandbox = new("remote-scripts");
    private readonly LocalHost _rooted;
    private readonly LocalHost _plain = new();

    public RemoteScriptTests() => _rooted = LocalHost.Rooted(_sandbox.Combine("root"));

    public void Dispose() => _sandbox.Dispose();

    public static IEnumerable<object[]> Names => HostileNames.FileNames;

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Stat_describes_one_entry_and_exits_3_when_it_is_missing(string name)
    {
        var path = "/d/" + name;
        await _rooted.WriteAllTextAsync(path, "内容");

        var found = await Run(RemoteScripts.Stat, path);
        var missing = await Run(RemoteScripts.Stat, path + ".missing");

        found.ExitCode.Should().Be(0, found.StandardError);
        var info = FindOutputParser.Parse(found.StandardOutput, withPath: false, fixedPath: path).Single();
        (info.Kind, info.Size).Should().Be((FileKind.File, Encoding.UTF8.GetByteCount("内容")));
        missing.ExitCode.Should().Be(RemoteScripts.NotFound);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task ListTree_lists_every_entry_below_the_root_with_relative_paths(string name)
    {
        await _rooted.WriteAllTextAsync($"/t/{name}/{name}", "x");
        await _rooted.WriteAllTextAsync($"/t/{name}/sub/a", "y");

        var r = await Run(RemoteScripts.ListTree, "/t/" + name);
        var none = await Run(RemoteScripts.ListTree, "/t/missing " + name);

        r.ExitCode.Should().Be(0, r.StandardError);
        FindOutputParser.Parse(r.StandardOutput, withPath: true).Select(e => e.Path).Should().BeEquivalentTo([name, "sub", "sub/a"]);
        (none.ExitCode, none.StandardOutput).Should().Be((0, ""));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task OpenRead_prints_K_then_the_bytes_and_tells_missing_and_directory_apart(string name)
    {
        await _rooted.WriteAllTextAsync("/r/" + name, "中文\nline");

        (await Run(RemoteScripts.OpenRead, "/r/" + name)).StandardOutput.Should().Be("K中文\nline");
        (await Run(RemoteScripts.OpenRead, "/r/" + name + "x")).ExitCode.Should().Be(RemoteScripts.NotFound);
        (await Run(RemoteScripts.OpenRead, "/r")).ExitCode.Should().Be(4);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task WriteFile_places_stdin_with_mode_and_time_and_refuses_a_short_stream(string name)
    {
        var dir = "/w/" + name;
        var dest = dir + "/" + name;
        var bytes = Encoding.UTF8.GetBytes("内容 $(touch pwned)");
        string[] Args(long size) => [dest, dir + "/.deploy-tmp-1", dir, size.ToString(System.Globalization.CultureInfo.InvariantCulture), "640", "@1700000000.25"];

        var ok = await _rooted.RunAsync(RemoteScripts.WriteFile.ToCommand(Args(bytes.Length)) with { StandardInput = new MemoryStream(bytes) });
        var shortWrite = await _rooted.RunAsync(RemoteScripts.WriteFile.ToCommand(Args(bytes.Length + 1)) with { StandardInput = new MemoryStream([1, 2]) });

        ok.ExitCode.Should().Be(0, ok.StandardError);
        var real = _rooted.MapPath(dest);
        File.ReadAllBytes(real).Should().Equal(bytes, "a short write leaves the destination as it was");
        File.GetUnixFileMode(real).Should().Be((UnixFileMode)Convert.ToInt32("640", 8));
        File.GetLastWriteTimeUtc(real).Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250).UtcDateTime);
        shortWrite.ExitCode.Should().Be(4);
        Directory.GetFiles(_rooted.MapPath(dir)).Should().Equal(real);
        NoPwned();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task CreateDirectory_SetMode_Move_and_Remove_work_on_hostile_paths(string name)
    {
        var dir = "/m/" + name;
        (await Run(RemoteScripts.CreateDirectory, dir, "750")).ExitCode.Should().Be(0);
        File.GetUnixFileMode(_rooted.MapPath(dir)).Should().Be((UnixFileMode)Convert.ToInt32("750", 8));

        await _rooted.WriteAllTextAsync(dir + "/a", "a");
        await _rooted.WriteAllTextAsync(dir + "/b", "b");
        (await Run(RemoteScripts.SetMode, dir + "/a", "600")).ExitCode.Should().Be(0);
        File.GetUnixFileMode(_rooted.MapPath(dir + "/a")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await Run(RemoteScripts.SetMode, dir + "/none", "600")).ExitCode.Should().Be(RemoteScripts.NotFound);

        (await Run(RemoteScripts.Move, dir + "/a", dir + "/b", "0")).ExitCode.Should().Be(5, "the destination exists");
        (await Run(RemoteScripts.Move, dir + "/a", dir + "/" + name, "0")).ExitCode.Should().Be(0);
        (await Run(RemoteScripts.Move, dir + "/" + name, dir + "/b", "1")).ExitCode.Should().Be(0);
        File.ReadAllText(_rooted.MapPath(dir + "/b")).Should().Be("a");
        (await Run(RemoteScripts.Move, dir + "/a", dir + "/c", "1")).ExitCode.Should().Be(RemoteScripts.NotFound);

        (await Run(RemoteScripts.Remove, dir + "/b", "0")).ExitCode.Should().Be(0);
        (await Run(RemoteScripts.Remove, dir, "0")).ExitCode.Should().Be(0, "an empty directory is removed");
        await _rooted.WriteAllTextAsync(dir + "/deep/x", "x");
        (await Run(RemoteScripts.Remove, "/m", "1")).ExitCode.Should().Be(0);
        Directory.Exists(_rooted.MapPath("/m")).Should().BeFalse();
        NoPwned();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task CreateSymlink_stores_the_target_as_given_and_SetOwner_changes_the_owner(string name)
    {
        var link = "/s/" + name;
        (await Run(RemoteScripts.CreateSymlink, link, "../" + name, "/s", "/s/.deploy-tmp-1")).ExitCode.Should().Be(0);
        (await Run(RemoteScripts.CreateSymlink, link, name + "2", "/s", "/s/.deploy-tmp-2")).ExitCode.Should().Be(0, "an existing link is replaced");
        new FileInfo(_rooted.MapPath(link)).LinkTarget.Should().Be(name + "2");

        var user = Environment.UserName;
        (await Run(RemoteScripts.SetOwner, link, user)).ExitCode.Should().Be(0);
        (await Run(RemoteScripts.SetOwner, link + "x", user)).ExitCode.Should().Be(RemoteScripts.NotFound);
        Directory.GetFileSystemEntries(_rooted.MapPath("/s")).Should().ContainSingle("no temp link is left");
    }

    [Fact]
    public async Task OsRelease_prints_the_machines_os_release()
    {
        (await _plain.RunScriptAsync(RemoteScripts.OsRelease)).StandardOutput.Should().Contain("ID=");
    }

    [Fact]
    public async Task FindProcesses_finds_a_live_process_by_pid_file_command_line_piece_and_name()
    {
        var marker = "中文-" + Guid.NewGuid().ToString("N")[..8];
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 300; :", "sh", marker + " $(touch pwned)"]))!;
        try
        {
            var pidFile = _sandbox.WriteFile("pid dir/it's \"中文\".pid", p.Id + "\n");

            var byPidFile = await _plain.RunScriptAsync(RemoteScripts.FindProcesses, ["pidfile", pidFile]);
            var byCommand = await _plain.RunScriptAsync(RemoteScripts.FindProcesses, ["cmd", marker]);
            var byName = await _plain.RunScriptAsync(RemoteScripts.FindProcesses, ["name", "sh"]);
            var noFile = await _plain.RunScriptAsync(RemoteScripts.FindProcesses, ["pidfile", pidFile + ".missing"]);

            byPidFile.StandardOutput.Should().StartWith(p.Id + "\0sh\0/bin/sh -c sleep 300; : sh " + marker);
            byCommand.StandardOutput.Split('\0').Should().Contain(p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            byName.StandardOutput.Split('\0').Should().Contain(p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            (noFile.ExitCode, noFile.StandardOutput).Should().Be((0, ""));
        }
        finally
        {
            p.Kill();
            await p.WaitForExitAsync();
        }

        NoPwned();
    }

    [Fact]
    public async Task MissingLevels_counts_the_missing_trailing_components_testing_nothing_under_a_missing_directory()
    {
        Directory.CreateDirectory(_sandbox.Combine("ml", "有 space", "x"));
        var root = _sandbox.Combine("ml");
        string[] dirs = [root + "/有 space", root + "/有 space/a'b/$(x)", root + "/new\nline/c", root + "/有 space/x", root + "/有 space/x/y/z", root + "/new\nline/c/d"];

        var (levels, answers) = await MissingLevelsAsync(dirs);

        levels.Should().Equal(new Dictionary<string, int>
        {
            [dirs[0]] = 0, [dirs[1]] = 2, [dirs[2]] = 2, [dirs[3]] = 0, [dirs[4]] = 2, [dirs[5]] = 3,
        });
        answers.Should().ContainSingle().Which.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(4, "the prefix exists, then the three missing tops: new\\nline, a'b and y");
    }

    [Fact]
    public async Task MissingLevels_names_only_the_topmost_missing_directories()
    {
        Directory.CreateDirectory(_sandbox.Combine("top", "old"));
        var root = _sandbox.Combine("top");
        var dirs = Enumerable.Range(0, 50).SelectMany(i => new[] { $"{root}/new{i}/a/b", $"{root}/old/n{i}" }).ToList();

        var (levels, answers) = await MissingLevelsAsync(dirs);

        levels.Where(l => l.Key.Contains("/new", StringComparison.Ordinal)).Select(l => l.Value).Should().AllBeEquivalentTo(3);
        levels.Where(l => l.Key.Contains("/old/", StringComparison.Ordinal)).Select(l => l.Value).Should().AllBeEquivalentTo(1);
        answers.Single().Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(1 + 100, "the prefix line, then one line per missing top: new0..new49 and old/n0..n49, nothing below them");
    }

    [Fact]
    public async Task MissingLevels_counts_a_missing_prefix_into_every_directory()
    {
        var root = _sandbox.Combine("gone", "deeper");
        string[] dirs = [root + "/a", root + "/a/b", root + "/c"];

        var (levels, _) = await MissingLevelsAsync(dirs);

        levels.Should().Equal(new Dictionary<string, int> { [dirs[0]] = 3, [dirs[1]] = 4, [dirs[2]] = 3 });
    }

    [Fact]
    public async Task MissingLevels_split_into_several_commands_gives_the_answer_of_one()
    {
        Directory.CreateDirectory(_sandbox.Combine("many", "keep"));
        var root = _sandbox.Combine("many");
        var name = new string('n', 200);
        var dirs = Enumerable.Range(0, 800).Select(i => i % 2 == 0 ? $"{root}/keep/{name}{i}/x" : $"{root}/keep").Distinct().ToList();
        dirs.Add($"{root}/keep/{name}0/x/y");

        var (levels, answers) = await MissingLevelsAsync(dirs);

        answers.Should().HaveCountGreaterThan(1, "400 nodes of ~200 bytes exceed one command's 96 KB");
        levels[$"{root}/keep"].Should().Be(0);
        levels[$"{root}/keep/{name}0/x/y"].Should().Be(3);
        levels.Where(l => l.Key.EndsWith("/x", StringComparison.Ordinal)).Select(l => l.Value).Should().AllBeEquivalentTo(2);
    }

    [Fact]
    public async Task Upload_answers_its_destination_check_as_the_agent_would_then_a_dot_before_reading_its_stream()
    {
        Directory.CreateDirectory(_sandbox.Combine("uc", "有 space", "x"));
        var root = _sandbox.Combine("uc");
        string[] dirs = [root + "/有 space", root + "/有 space/a'b/$(x)", root + "/new\nline/c", root + "/有 space/x/y/z"];
        var (agentLevels, agentAnswers) = await MissingLevelsAsync(dirs);
        var check = MissingDirectories.OneCommand(dirs, 64 * 1024);
        check.Should().NotBeNull("four directories fit in one command");
        var bookkeeping = _sandbox.Combine("uc-book", ".deploy-up-" + Guid.NewGuid().ToString("N")[..12]);

        // An empty stream: the answer comes first, then tar finds no archive and nothing is placed.
        var r = await _plain.RunAsync(new CommandSpec(RemoteScripts.UploadArgv(bookkeeping, "auto", null, check!.Value.Args)) { StandardInput = new MemoryStream() });

        r.StandardOutput.Should().Be(agentAnswers.Single() + ".\n");
        MissingDirectories.Answer(check.Value.Query, dirs, r.StandardOutput[..^2]).Should().Equal(agentLevels);
        r.ExitCode.Should().Be(2, "the stream was empty");
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Should().BeEquivalentTo([root + "/有 space", root + "/有 space/x"], "a check creates nothing");
        NoPwned();
    }

    [Fact]
    public void A_destination_check_too_large_for_one_command_or_its_limit_is_not_asked_in_the_upload()
    {
        var dirs = Enumerable.Range(0, 100).Select(i => $"/srv/app/d{i}/{new string('x', 100)}").ToList();

        MissingDirectories.OneCommand(dirs, 64 * 1024).Should().NotBeNull("200 nodes of about 100 bytes take about 10 KB");
        MissingDirectories.OneCommand(dirs, 4 * 1024).Should().BeNull("they exceed a 4 KB limit");
        MissingDirectories.OneCommand(Enumerable.Range(0, 1_200).Select(i => $"/srv/app/d{i}/{new string('x', 100)}").ToList(), int.MaxValue)
            .Should().BeNull("2,400 nodes need more than one command");
    }

    [Fact]
    public async Task KillJob_kills_every_process_of_the_job_and_nothing_else()
    {
        var job = "j " + Guid.NewGuid().ToString("N") + " '$(x)'";
        var psi = new ProcessStartInfo("/bin/sh", ["-c", "sleep 300 & wait"]);
        psi.Environment["DEPLOY_SSH_JOB"] = job;
        using var target = Process.Start(psi)!;
        using var bystander = Process.Start(new ProcessStartInfo("sleep", "300"))!;
        try
        {
            var r = await _plain.RunScriptAsync(RemoteScripts.KillJob, [job]);

            r.ExitCode.Should().Be(0, r.StandardError);
            await target.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            bystander.HasExited.Should().BeFalse();
        }
        finally
        {
            bystander.Kill();
            target.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("sh")]
    public async Task Upload_places_a_complete_stream_and_places_nothing_from_a_cut_one(string placer)
    {
        var names = HostileNames.FileNames.Select(n => (string)n[0]).ToArray();
        var dest = _sandbox.Combine("up");
        Directory.CreateDirectory(Path.Combine(dest, "exists"));
        var uploads = names.Select((n, i) => new FileUpload(_sandbox.WriteFile($"src/{i}", "内容 " + n), i % 2 == 0 ? $"{dest}/exists/{n}" : $"{dest}/new/{n}/{n}")).ToList();

        var complete = await UploadDirectAsync(uploads, placer, cut: false);
        complete.ExitCode.Should().Be(0, complete.StandardError);
        for (var i = 0; i < names.Length; i++)
        {
            File.ReadAllText(uploads[i].TargetPath).Should().Be("内容 " + names[i]);
        }

        Directory.Delete(dest, recursive: true);
        Directory.CreateDirectory(Path.Combine(dest, "exists"));
        var cut = await UploadDirectAsync(uploads, placer, cut: true);
        cut.ExitCode.Should().Be(2);
        Directory.GetFileSystemEntries(dest, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Should().Equal([Path.Combine(dest, "exists")], "a cut stream places nothing and leaves no temp");
        NoPwned();
    }

    [Theory]
    [InlineData("/usr/bin/tar")]
    [InlineData("/bin/busybox tar")]
    public async Task Upload_asks_GNU_tar_for_256_KiB_records_in_a_way_BusyBox_tar_which_has_no_blocking_factor_ignores(string tar)
    {
        // The tar the script finds first records the TAR_OPTIONS it was given, then runs the real one.
        var bin = _sandbox.Combine("bin");
        Directory.CreateDirectory(bin);
        var seen = _sandbox.Combine("tar-options");
        File.WriteAllText(Path.Combine(bin, "tar"), $"#!/bin/sh\nprintf '%s\\n' \"${{TAR_OPTIONS-unset}}\" > '{seen}'\nexec {tar} \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "tar"), (UnixFileMode)0x1ED);
        var dest = _sandbox.Combine("up");
        var uploads = Enumerable.Range(0, 40).Select(i => new FileUpload(_sandbox.WriteFile($"src/{i}", new string((char)('a' + (i % 26)), 20_000 + i)), $"{dest}/d{i % 3}/f{i}")).ToList();

        var result = await UploadDirectAsync(uploads, "auto", cut: false, path: bin + ":" + Environment.GetEnvironmentVariable("PATH"));

        result.ExitCode.Should().Be(0, result.StandardError);
        File.ReadAllText(seen).Should().Be("--blocking-factor=512\n");
        uploads.Should().AllSatisfy(u => File.ReadAllText(u.TargetPath).Should().Be(File.ReadAllText(u.LocalPath)));
        NoPwned();
    }

    [Fact]
    public async Task Upload_on_a_guess_exits_5_and_creates_nothing_when_its_anchor_is_not_a_writable_directory_and_cannot_be_made_one()
    {
        var root = _sandbox.Combine("guess");
        Directory.CreateDirectory(root + "/locked");
        File.SetUnixFileMode(root + "/locked", (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(root + "/file", "x");
        var bookkeeping = _sandbox.Combine("guess-book", ".deploy-up-" + Guid.NewGuid().ToString("N")[..12]);
        var stream = new byte[1 << 20]; // more than a pipe holds: the script must exit without reading it

        async Task<CommandResult> Upload(string anchor, params string[] asUser)
            => await _plain.RunAsync(new CommandSpec([.. asUser, .. RemoteScripts.UploadArgv(bookkeeping, "auto", anchor: anchor)]) { StandardInput = new MemoryStream(stream) });

        (await Upload(root + "/file")).ExitCode.Should().Be(UploadStream.AnchorRefused);
        (await Upload(root + "/file/under")).ExitCode.Should().Be(UploadStream.AnchorRefused, "a file is in the way");
        (await Upload(root + "/locked", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")).ExitCode.Should().Be(UploadStream.AnchorRefused, "nobody cannot write in a root-owned 755 directory");
        (await Upload(root + "/locked/new/er", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")).ExitCode.Should().Be(UploadStream.AnchorRefused, "nor make a directory in it");
        Directory.GetFileSystemEntries(root).Should().BeEquivalentTo([root + "/locked", root + "/file"]);
        Directory.GetFileSystemEntries(root + "/locked").Should().BeEmpty();
        Directory.Exists(Path.GetDirectoryName(bookkeeping)).Should().BeFalse("no bookkeeping was made");

        // A missing anchor is made with the missing directories above it; this stream holds no archive, and they go
        // again, bottom-up, but not the empty directory that was there before.
        Directory.CreateDirectory(root + "/empty");
        (await Upload(root + "/empty/made/two")).ExitCode.Should().Be(2);
        Directory.GetFileSystemEntries(root).Should().BeEquivalentTo([root + "/locked", root + "/file", root + "/empty"]);
        Directory.GetFileSystemEntries(root + "/empty").Should().BeEmpty();

        // So do they when the script's own bookkeeping cannot be made (here under a file).
        var unmade = await _plain.RunAsync(new CommandSpec(RemoteScripts.UploadArgv(root + "/file/book/.deploy-up-0123456789ab", "auto", anchor: root + "/empty/made/two")) { StandardInput = new MemoryStream(stream) });
        unmade.ExitCode.Should().Be(1);
        Directory.GetFileSystemEntries(root + "/empty").Should().BeEmpty();
    }

    [Fact]
    public async Task UploadPlace_renames_a_directory_missing_at_its_destination_whole_and_replaces_existing_files_one_by_one()
    {
        var dest = _sandbox.Combine("merge");
        var temp = dest + "/.deploy-tmp-0123456789ab-d0";
        _sandbox.WriteFile("merge/conf/theirs.txt", "theirs");
        _sandbox.WriteFile("merge/conf/mine.txt", "old");
        _sandbox.WriteFile("merge/.deploy-tmp-0123456789ab-d0/mine.txt", "new");
        _sandbox.WriteFile("merge/.deploy-tmp-0123456789ab-d0/new dir/deep/f.txt", "f");
        var inode = await InodeAsync(temp + "/new dir");
        var list = _sandbox.WriteFile("merge-book/.deploy-up-0123456789ab/list", $"{temp}\0{dest}/conf\0D\0");

        var r = await _plain.RunAsync(CommandSpec.Of("perl", "-e", RemoteScripts.UploadPlace.Text, list, _sandbox.Combine("merge-book/.deploy-up-0123456789ab"), _sandbox.Combine("own")));

        r.ExitCode.Should().Be(0, r.StandardError);
        File.ReadAllText(dest + "/conf/mine.txt").Should().Be("new");
        File.ReadAllText(dest + "/conf/theirs.txt").Should().Be("theirs");
        File.ReadAllText(dest + "/conf/new dir/deep/f.txt").Should().Be("f");
        (await InodeAsync(dest + "/conf/new dir")).Should().Be(inode, "the missing directory was renamed into place, not rebuilt");
        Directory.Exists(temp).Should().BeFalse();
    }

    [Fact]
    public async Task UploadPlace_copies_an_entry_whose_destination_is_on_another_file_system_beside_it_and_renames_it_with_its_mode_and_exact_time()
    {
        var dest = _sandbox.Combine("xdev");
        var temp = dest + "/.deploy-tmp-0123456789ab-d0";
        Directory.CreateDirectory(dest + "/mnt");
        _sandbox.WriteFile("xdev/.deploy-tmp-0123456789ab-d0/f.txt", "file");
        _sandbox.WriteFile("xdev/.deploy-tmp-0123456789ab-d0/new/g.txt", "g");
        File.SetUnixFileMode(temp + "/f.txt", (UnixFileMode)Convert.ToInt32("640", 8));
        (await _plain.RunAsync(CommandSpec.Of("touch", "-d", "2019-01-02 03:04:05.123456789Z", temp + "/f.txt"))).ExitCode.Should().Be(0);
        var list = _sandbox.WriteFile("xdev-book/.deploy-up-0123456789ab/list", $"{temp}\0{dest}/mnt\0D\0");

        // A private mount namespace with a tmpfs at the destination: renames from the temp cross file systems there.
        const string Script = """
            mount -t tmpfs tmpfs "$1" || exit 99
            perl -e "$2" "$3" "$4" "$5" || exit 98
            TZ=UTC stat -c '%a %y' "$1/f.txt"; cat "$1/f.txt" "$1/new/g.txt"; echo; ls -A "$1"; df --output=fstype "$1" | tail -n 1
            """;
        var r = await _plain.RunAsync(CommandSpec.Of("unshare", "-m", "--propagation", "private", "/bin/sh", "-c", Script, "sh", dest + "/mnt", RemoteScripts.UploadPlace.Text, list, _sandbox.Combine("xdev-book/.deploy-up-0123456789ab"), _sandbox.Combine("own")));

        r.ExitCode.Should().Be(0, r.StandardError);
        r.StandardOutput.Split('\n').Should().Equal("640 2019-01-02 03:04:05.123456789 +0000", "fileg", "f.txt", "new", "tmpfs", "");
        Directory.Exists(temp).Should().BeFalse();
    }

    [Fact]
    public async Task UploadUnlist_removes_the_temp_files_and_directories_a_list_names()
    {
        var file = _sandbox.WriteFile("ul/.t 中文'1", "x");
        var dir = _sandbox.WriteFile("ul/.d $(x)/inner", "y");
        var list = _sandbox.WriteFile("ul/list", $"{file}\0{file}.dest\0\0{Path.GetDirectoryName(dir)}\0/nowhere\0D\0");

        var r = await _plain.RunAsync(CommandSpec.Of("perl", "-e", RemoteScripts.UploadUnlist.Text, list));

        r.ExitCode.Should().Be(0, r.StandardError);
        Directory.GetFileSystemEntries(_sandbox.Combine("ul")).Should().Equal(list);
    }

    [Fact]
    public async Task Agent_loop_runs_each_framed_command_with_its_job_id_and_frames_the_exit_code()
    {
        var input = "M1 J1\nprintf '%s|' \"$DEPLOY_SSH_JOB\" '中文 $(x)'\nexit 7\nM1\nM2 J2\necho two\nM2\n";

        var r = await FeedAsync(AgentSession.Script, input);

        r.StandardOutput.Should().Be("J1|中文 $(x)|M1 7\ntwo\nM2 0\n");
        r.StandardError.Should().Be("M1\nM2\n");
    }

    [Fact]
    public async Task Agent_loop_reads_a_command_of_announced_length_whole_and_then_the_next_one()
    {
        var body = "x='" + new string('a', 5000) + "'\nprintf '%s|' \"${#x}\" \"$DEPLOY_SSH_JOB\"\ncat <<'E'\n中文 $(x)\nE\n";
        var input = $"M1 J1 {Encoding.UTF8.GetByteCount(body)}\n{body}M1\nM2 J2\necho two\nM2\n";

        var r = await FeedAsync(AgentSession.Script, input);

        r.StandardOutput.Should().Be("5000|J1|中文 $(x)\nM1 0\ntwo\nM2 0\n");
        r.StandardError.Should().Be("M1\nM2\n");
    }

    [Fact]
    public async Task Agent_loop_runs_nothing_whose_announced_length_does_not_end_at_its_marker()
    {
        var input = "M1 J1 10\necho pwned; echo more\nM1\nM2 J2\necho two\nM2\n";

        var r = await FeedAsync(AgentSession.Script, input);

        (r.ExitCode, r.StandardOutput).Should().Be((0, ""), "the loop ends instead of running a command cut at the wrong place");
    }

    [Fact]
    public async Task Spare_channel_runs_one_command_that_reads_the_rest_of_stdin()
    {
        var input = "M J9\nprintf '%s:' \"$DEPLOY_SSH_JOB\"; cat\nM\n中文 rest\n";

        var r = await FeedAsync(SpareChannel.Script, input);

        r.StandardOutput.Should().Be("M\nJ9:中文 rest\n");
    }

    [Fact]
    public async Task Spare_channel_reads_a_command_of_announced_length_whole_and_leaves_the_input_after_it_unread()
    {
        var body = "x='" + new string('a', 5000) + "'\nprintf '%s|%s:' \"${#x}\" \"$DEPLOY_SSH_JOB\"; cat\n";
        var input = $"M J9 {Encoding.UTF8.GetByteCount(body)}\n{body}M\n中文 rest\n";

        var r = await FeedAsync(SpareChannel.Script, input);

        r.StandardOutput.Should().Be("M\n5000|J9:中文 rest\n");
    }

    [Fact]
    public async Task Spare_channel_runs_nothing_whose_announced_length_does_not_end_at_its_marker()
    {
        var input = "M J9 10\necho pwned; echo more\nM\nrest\n";

        var r = await FeedAsync(SpareChannel.Script, input);

        (r.ExitCode, r.StandardOutput).Should().Be((0, ""), "the channel ends instead of running a command cut at the wrong place");
    }

    [Fact]
    public async Task Commands_of_the_agent_loop_and_of_a_spare_channel_do_not_see_the_frame_reader()
    {
        var probe = "command -v deploy_frame || echo none\n";

        var loop = await FeedAsync(AgentSession.Script, $"M1 J1\n{probe}M1\n");
        var spare = await FeedAsync(SpareChannel.Script, $"M J9\n{probe}M\n");

        loop.StandardOutput.Should().Be("none\nM1 0\n", "a command named like it must not be shadowed");
        spare.StandardOutput.Should().Be("M\nnone\n");
    }

    // Runs a host script under /bin/sh with input as its stdin.
    private async Task<string> InodeAsync(string path) => (await _plain.RunAsync(CommandSpec.Of("stat", "-c", "%i", path))).StandardOutput.Trim();

    private Task<CommandResult> FeedAsync(string script, string input)
        => _plain.RunAsync(CommandSpec.Of("/bin/sh", "-c", script) with { StandardInput = new MemoryStream(Encoding.UTF8.GetBytes(input)) });

    private Task<CommandResult> UploadDirectAsync(List<FileUpload> uploads, string placer, bool cut, string? path = null)
        => UploadScriptRun.RunAsync(_plain, _sandbox, uploads, placer, cut: cut ? length => length / 2 : null, path: path); // cut mid-stream: neither the last files nor the commit mark arrive

    private Task<CommandResult> Run(HostScript script, params string[] args) => _rooted.RunScriptAsync(script, args);

    private Task<(Dictionary<string, int> Levels, List<string> Answers)> MissingLevelsAsync(IReadOnlyList<string> directories)
        => UploadScriptRun.MissingLevelsAsync(_plain, directories);

    private void NoPwned()
        => Directory.EnumerateFileSystemEntries(_sandbox.Path, "pwned", SearchOption.AllDirectories).Should().BeEmpty();
}
