using Deploy.Core.Errors;
using Deploy.Core.Hosts.Native;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

public sealed class UploadSourceTests
{
    [Fact]
    public void On_64_bit_Linux_the_lean_reader_is_the_one_in_use()
    {
        LeanRead.IsAvailable.Should().Be(OperatingSystem.IsLinux() && Environment.Is64BitProcess);
    }

    [Theory]
    [InlineData(0, "644", 0L)]
    [InlineData(1, "4755", 1_234_567L)]
    [InlineData(511, "600", 9_999_999L)]
    [InlineData(70_000, "2750", 1L)]
    public void Length_mode_and_exact_time_match_what_the_file_system_says(int size, string mode, long extraTicks)
    {
        using var dir = new TempDirectory("src");
        var path = dir.Combine("f");
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        var time = new DateTime(2023, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(extraTicks);
        File.SetLastWriteTimeUtc(path, time);

        using var source = UploadSource.Open(path, null, null);

        source.Length.Should().Be(size);
        source.Mode.Should().Be(File.GetUnixFileMode(path));
        source.Modified.Should().Be(new DateTimeOffset(time));
        var read = new byte[size + 10];
        var total = 0;
        int n;
        while ((n = source.Read(read.AsSpan(total), total)) > 0)
        {
            total += n;
        }

        read.AsSpan(0, total).ToArray().Should().Equal(bytes);
    }

    [Fact]
    public void Hints_for_mode_and_time_win_over_the_file()
    {
        using var dir = new TempDirectory("src");
        var path = dir.WriteFile("f", "x");
        var hinted = DateTimeOffset.FromUnixTimeSeconds(1_000_000_000);

        using var source = UploadSource.Open(path, UnixFileMode.UserRead, hinted);

        source.Mode.Should().Be(UnixFileMode.UserRead);
        source.Modified.Should().Be(hinted);
    }

    [Fact]
    public void A_missing_file_a_directory_and_a_fifo_are_each_reported_as_not_a_file_without_blocking()
    {
        using var dir = new TempDirectory("src");
        var fifo = dir.Combine("fifo");
        var made = System.Diagnostics.Process.Start("mkfifo", [fifo]);
        made.WaitForExit();
        made.ExitCode.Should().Be(0);

        foreach (var path in new[] { dir.Combine("missing"), dir.Combine("missing/below"), dir.Path, fifo })
        {
            var act = () => UploadSource.Open(path, null, null);
            var e = act.Should().Throw<DeployException>().Which;
            e.Code.Should().Be(DeployErrorCode.LocalPathNotFound, path);
            e.Path.Should().Be(path);
        }
    }
}
