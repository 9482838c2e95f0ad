using System.Text;
using Deploy.Core.Hosts.Ssh;

namespace Deploy.Core.Tests.Hosts.Ssh;

public sealed class UploadLayoutTests
{
    [Fact]
    public void Files_in_existing_directories_get_temp_names_beside_their_destination()
    {
        var layout = UploadLayout.Create(["/opt/app/a", "/opt/app/b"], "id", new Dictionary<string, int> { ["/opt/app"] = 0 });

        layout.StreamNames.Should().Equal("/opt/app/.deploy-tmp-id-0", "/opt/app/.deploy-tmp-id-1");
        layout.DirectoryRenames.Should().Be(0);
        Triples(layout).Should().Equal(("/opt/app/.deploy-tmp-id-0", "/opt/app/a", ""), ("/opt/app/.deploy-tmp-id-1", "/opt/app/b", ""));
    }

    [Fact]
    public void A_file_in_the_root_directory_gets_its_temp_name_in_the_root()
    {
        var layout = UploadLayout.Create(["/a", "/new/b"], "id", new Dictionary<string, int> { ["/"] = 0, ["/new"] = 1 });

        layout.StreamNames.Should().Equal("/.deploy-tmp-id-0", "/.deploy-tmp-id-d0/b");
        Triples(layout).Should().Equal(("/.deploy-tmp-id-0", "/a", ""), ("/.deploy-tmp-id-d0", "/new", "D"));
    }

    [Fact]
    public void Files_under_missing_directories_travel_inside_one_temp_copy_of_the_topmost_missing_directory()
    {
        var missing = new Dictionary<string, int> { ["/opt/app/x/y"] = 2, ["/opt/app/x"] = 1, ["/srv/new"] = 1 };

        var layout = UploadLayout.Create(["/opt/app/x/y/a", "/opt/app/x/b", "/srv/new/c"], "id", missing);

        layout.StreamNames.Should().Equal("/opt/app/.deploy-tmp-id-d0/y/a", "/opt/app/.deploy-tmp-id-d0/b", "/srv/.deploy-tmp-id-d1/c");
        layout.DirectoryRenames.Should().Be(2);
        Triples(layout).Should().Equal(
            ("/opt/app/.deploy-tmp-id-d0", "/opt/app/x", "D"),
            ("/srv/.deploy-tmp-id-d1", "/srv/new", "D"));
    }

    [Fact]
    public void Parents_are_listed_once_in_first_seen_order()
        => UploadLayout.ParentsOf(["/a/b/1", "/a/c/2", "/a/b/3", "/4"]).Should().Equal("/a/b", "/a/c", "/");

    [Theory]
    [InlineData(new[] { "/a/b/c", "/a/b/d" }, "/a/b/")]
    [InlineData(new[] { "/a/bc", "/a/bd" }, "/a/")]
    [InlineData(new[] { "/srv/app" }, "/srv/")]
    [InlineData(new[] { "/", "/x" }, "/")]
    [InlineData(new[] { "/opt/x/y", "/opt/x" }, "/opt/")]
    public void The_shared_directory_prefix_ends_at_a_slash(string[] paths, string expected)
        => Deploy.Core.Hosts.Ssh.SshHost.CommonDirectoryPrefix(paths).Should().Be(expected);

    private static List<(string, string, string)> Triples(UploadLayout layout)
    {
        var parts = Encoding.UTF8.GetString(layout.Manifest).Split('\0');
        parts[^1].Should().BeEmpty();
        return Enumerable.Range(0, parts.Length / 3).Select(i => (parts[3 * i], parts[3 * i + 1], parts[3 * i + 2])).ToList();
    }
}
