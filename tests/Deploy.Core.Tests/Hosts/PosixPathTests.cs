using Deploy.Core.Hosts;

namespace Deploy.Core.Tests.Hosts;

public sealed class PosixPathTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("", "")]
    [InlineData("/a/b", "/a/b")]
    [InlineData("a/b", "a/b")]
    [InlineData("/a//b/", "/a/b")]
    [InlineData("//a", "/a")]
    [InlineData("/a/./b/../c", "/a/c")]
    [InlineData("/../a", "/a")]
    [InlineData("/a/..", "/")]
    [InlineData("./a/", "a")]
    [InlineData("/a/.b/..c/...", "/a/.b/..c/...")]
    [InlineData("/有 space/a'b", "/有 space/a'b")]
    public void Normalize_removes_empty_dot_and_dot_dot_segments_and_a_trailing_slash(string path, string expected)
        => PosixPath.Normalize(path).Should().Be(expected);

    [Fact]
    public void Normalize_returns_an_already_normal_path_itself()
    {
        var path = "/srv/app/" + Guid.NewGuid().ToString("N");

        PosixPath.Normalize(path).Should().BeSameAs(path);
    }

    [Fact]
    public void Normalize_refuses_a_relative_path_that_climbs_above_its_root()
        => FluentActions.Invoking(() => PosixPath.Normalize("a/../../b")).Should().Throw<ArgumentException>();
}
