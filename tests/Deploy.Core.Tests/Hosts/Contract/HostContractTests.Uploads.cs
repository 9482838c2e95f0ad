using Deploy.Core.Errors;
using Deploy.Core.Hosts;

namespace Deploy.Core.Tests.Hosts.Contract;

/// <summary>The bulk upload part of the <see cref="IHost"/> contract.</summary>
public abstract partial class HostContractTests
{
    [Fact]
    public async Task Upload_places_files_with_their_mode_and_full_precision_mtime_and_reports_progress()
    {
        var a = Local.WriteFile("a.sh", "#!/bin/sh\necho a\n");
        File.SetUnixFileMode(a, (UnixFileMode)Convert.ToInt32("755", 8));
        var mtime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567);
        var progress = new List<TransferProgress>();

        var summary = await Host.UploadAsync(
            [new FileUpload(a, Root + "/x/bin/a.sh"), new FileUpload(a, Root + "/x/a-copy.sh") { ModifiedTime = mtime, Mode = UnixFileMode.UserRead }],
            new SyncProgress(progress.Add));

        summary.Files.Should().Be(2);
        var s1 = await Host.StatAsync(Root + "/x/bin/a.sh");
        s1!.Mode.Should().Be((UnixFileMode)Convert.ToInt32("755", 8));
        s1.ModifiedTime.Should().Be(new DateTimeOffset(File.GetLastWriteTimeUtc(a), TimeSpan.Zero));
        var s2 = await Host.StatAsync(Root + "/x/a-copy.sh");
        s2!.ModifiedTime.Should().Be(mtime);
        s2.Mode.Should().Be(UnixFileMode.UserRead);
        progress.Should().HaveCount(2);
        progress[^1].FilesDone.Should().Be(2);
    }

    [Fact]
    public async Task Upload_replaces_existing_files()
    {
        Directory.CreateDirectory(OnMachine(Root + "/app"));
        File.WriteAllText(OnMachine(Root + "/app/a.txt"), "old");

        await Host.UploadAsync([new FileUpload(Local.WriteFile("a.txt", "new"), Root + "/app/a.txt")]);

        File.ReadAllText(OnMachine(Root + "/app/a.txt")).Should().Be("new");
        TempFilesUnder(OnMachine(Root)).Should().BeEmpty();
    }

    [Fact]
    public async Task Upload_of_a_missing_local_file_fails_before_sending_anything()
    {
        var act = () => Host.UploadAsync([new FileUpload(Local.Combine("missing"), Root + "/x")]);

        var e = (await act.Should().ThrowAsync<DeployException>()).Which;
        e.Code.Should().Be(DeployErrorCode.LocalPathNotFound);
        e.Path.Should().Be(Local.Combine("missing"));
        File.Exists(OnMachine(Root + "/x")).Should().BeFalse();
    }

    [Fact]
    public async Task Upload_onto_a_directory_fails_cleanly_without_temp_files()
    {
        Directory.CreateDirectory(OnMachine(Root + "/dir/taken/inner"));

        var act = () => Host.UploadAsync([new FileUpload(Local.WriteFile("a", "a"), Root + "/dir/taken")]);

        (await act.Should().ThrowAsync<DeployException>()).Which.Code.Should().Be(DeployErrorCode.TransferFailed);
        Directory.Exists(OnMachine(Root + "/dir/taken/inner")).Should().BeTrue();
        TempFilesUnder(OnMachine(Root)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_failed_gate_fails_the_upload_with_its_exception_and_places_nothing()
    {
        Directory.CreateDirectory(OnMachine(Root + "/app"));
        File.WriteAllText(OnMachine(Root + "/app/old"), "old");

        var act = () => Host.UploadGatedAsync(
            [new FileUpload(Local.WriteFile("x", "new"), Root + "/app/old"), new FileUpload(Local.WriteFile("y", "y"), Root + "/app/new/y")],
            Task.Delay(200).ContinueWith(_ => throw new DeployException(DeployErrorCode.RemoteIoFailed, "journal write failed"), TaskScheduler.Default));

        (await act.Should().ThrowAsync<DeployException>()).Which.Message.Should().Be("journal write failed");
        File.ReadAllText(OnMachine(Root + "/app/old")).Should().Be("old");
        Directory.Exists(OnMachine(Root + "/app/new")).Should().BeFalse();
        TempFilesUnder(OnMachine(Root)).Should().BeEmpty();
    }

    /// <summary>Upload temporaries (<c>.deploy-*</c>) anywhere under <paramref name="root"/>.</summary>
    protected static IEnumerable<string> TempFilesUnder(string root)
        => Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Where(f => f.Contains("/.deploy-", StringComparison.Ordinal));

    /// <summary>Reports synchronously, unlike <see cref="Progress{T}"/>, so assertions see every report.</summary>
    internal sealed class SyncProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }
}
