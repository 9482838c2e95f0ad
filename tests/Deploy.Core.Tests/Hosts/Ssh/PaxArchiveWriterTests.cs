using Deploy.Core.Hosts;
using Deploy.Core.Hosts.Ssh;
using Deploy.Testing;

namespace Deploy.Core.Tests.Hosts.Ssh;

public sealed class PaxArchiveWriterTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Gnu_tar_extracts_names_modes_times_and_content(bool exactTime)
    {
        using var dir = new TempDirectory("pax");
        var files = new List<(string Name, byte[] Bytes, UnixFileMode Mode, DateTimeOffset Time)>();
        var random = new Random(1);
        var names = HostileNames.FileNames.Select(n => (string)n[0]).ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            var bytes = new byte[i switch { 0 => 0, 1 => 511, 2 => 512, 3 => 2_500_000, _ => random.Next(0, 5000) }];
            random.NextBytes(bytes);
            var name = $"out/{names[i]}/{new string('长', i * 3)}{i}" + (i == 5 ? "/" + new string('x', 90) : "");
            files.Add((name, bytes, (UnixFileMode)Convert.ToInt32(i % 2 == 0 ? "4755" : "600", 8), new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(i * 1_234_567L + 1)));
        }

        var archive = dir.Combine("a.tar");
        await using (var output = File.Create(archive))
        {
            var writer = new PaxArchiveWriter(output, 1 << 16);
            foreach (var (name, bytes, mode, time) in files)
            {
                var src = dir.Combine("src");
                await File.WriteAllBytesAsync(src, bytes);
                using var source = UploadSource.Open(src, null, null);
                writer.WriteFile(name, mode, time, source.Length, source, src, exactTime);
            }

            writer.Finish();
        }

        var result = await new LocalHost().RunAsync(CommandSpec.Of("tar", "-x", "-p", "-f", archive, "-C", dir.Path));

        result.StandardError.Should().BeEmpty();
        result.ExitCode.Should().Be(0);
        foreach (var (name, bytes, mode, time) in files)
        {
            var path = dir.Combine(name);
            File.ReadAllBytes(path).Should().Equal(bytes, name);
            File.GetUnixFileMode(path).Should().Be(mode, name);
            var actual = new DateTimeOffset(File.GetLastWriteTimeUtc(path));

            // Without exactTime, whole seconds, unless the name needed a pax header anyway (then exact).
            (actual == time || (!exactTime && actual == DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds()))).Should().BeTrue(name);
        }
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(17_000_000_001_234_567L, "1700000000.1234567")]
    [InlineData(17_000_000_000_000_000L, "1700000000")]
    public void Times_are_written_exactly(long ticks, string expected)
        => PaxArchiveWriter.FormatTime(DateTimeOffset.UnixEpoch.AddTicks(ticks)).Should().Be(expected);

    [Theory]
    [InlineData(1L)]
    [InlineData(9_999_999L)]
    [InlineData(5_000_000L)]
    [InlineData(17_000_000_001_234_567L)]
    [InlineData(17_000_000_001_000_000L)]
    [InlineData(41_024_000_000_000_001L)]
    [InlineData(-15_000_000L)]
    public void A_time_record_is_the_pax_record_of_the_exact_time(long ticks)
    {
        var time = DateTimeOffset.UnixEpoch.AddTicks(ticks);
        using var output = new MemoryStream();
        var writer = new PaxArchiveWriter(output);

        writer.WriteFile("f", UnixFileMode.UserRead, time, 0, null, "f");
        writer.Finish();

        var bytes = output.ToArray();
        ((char)bytes[156]).Should().Be('x', "a pax header comes first");
        var size = Convert.ToInt32(System.Text.Encoding.ASCII.GetString(bytes, 124, 11), 8);
        System.Text.Encoding.UTF8.GetString(bytes, 512, size).Should().Be(Deploy.Core.Archives.TarHeaders.PaxRecord("mtime", PaxArchiveWriter.FormatTime(time)));
    }
}
