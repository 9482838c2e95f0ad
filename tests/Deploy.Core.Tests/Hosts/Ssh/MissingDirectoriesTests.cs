using Deploy.Core.Hosts.Ssh;

namespace Deploy.Core.Tests.Hosts.Ssh;

/// <summary>The missing-directory query's planning and reading (pure); RemoteScriptTests runs it against real directories.</summary>
public sealed class MissingDirectoriesTests
{
    [Fact]
    public void Plan_lists_every_directory_on_the_way_once_with_each_followed_by_everything_under_it()
    {
        var query = MissingDirectories.Plan(["/d/a-c", "/d/a/b/c", "/d/a/b", "/d/a.x/y"]);

        query.Prefix.Should().Be("/d/");
        query.Nodes.Should().Equal("a", "a/b", "a/b/c", "a-c", "a.x", "a.x/y");
    }

    [Fact]
    public void Predict_anchors_on_the_deepest_directory_that_holds_them_all_and_guesses_everything_under_it_missing()
    {
        var guess = MissingDirectories.Predict(["/srv/app/a/b", "/srv/app/c", "/srv/app"]);

        guess!.Value.Anchor.Should().Be("/srv/app", "the anchor may be one of the directories");
        guess.Value.Levels.Should().Equal(new Dictionary<string, int> { ["/srv/app/a/b"] = 2, ["/srv/app/c"] = 1, ["/srv/app"] = 0 });
        MissingDirectories.Predict(["/srv/app/bin"])!.Value.Anchor.Should().Be("/srv/app/bin", "one directory is its own anchor");
        MissingDirectories.Predict(["/srv/app", "/srv/app2/x"])!.Value.Should().BeEquivalentTo(
            (Anchor: "/srv", Levels: new Dictionary<string, int> { ["/srv/app"] = 1, ["/srv/app2/x"] = 2 }),
            "/srv/app is a prefix of /srv/app2's name, not its parent");
    }

    [Fact]
    public void Predict_makes_no_guess_for_directories_spread_over_the_root()
    {
        MissingDirectories.Predict(["/etc/app", "/opt/app"]).Should().BeNull("their only common directory is '/'");
        MissingDirectories.Predict(["/"]).Should().BeNull();
        MissingDirectories.Predict([]).Should().BeNull();
    }

    [Fact]
    public void Read_counts_levels_from_the_topmost_missing_directory_down()
    {
        string[] dirs = ["/d/a/b/c", "/d/a-c", "/d/e"];
        var query = MissingDirectories.Plan(dirs); // a, a/b, a/b/c, a-c, e

        var levels = MissingDirectories.Read(query, dirs, prefixMissing: 0, missingNodes: [1, 4]);

        levels.Should().Equal(new Dictionary<string, int> { ["/d/a/b/c"] = 2, ["/d/a-c"] = 0, ["/d/e"] = 1 });
    }

    [Fact]
    public void Read_accepts_a_missing_directory_reported_again_below_a_missing_one()
    {
        string[] dirs = ["/d/a/b", "/d/c"];
        var query = MissingDirectories.Plan(dirs); // a, a/b, c

        // A later batch does not know what an earlier one found: it tests and reports a/b as well.
        MissingDirectories.Read(query, dirs, 0, [0, 1]).Should().Equal(new Dictionary<string, int> { ["/d/a/b"] = 2, ["/d/c"] = 0 });
    }

    [Fact]
    public void Read_adds_the_missing_prefix_components_to_every_directory()
    {
        string[] dirs = ["/d/a/b", "/d/c"];
        var query = MissingDirectories.Plan(dirs);

        MissingDirectories.Read(query, dirs, prefixMissing: 2, missingNodes: []).Should().Equal(new Dictionary<string, int> { ["/d/a/b"] = 4, ["/d/c"] = 3 });
    }

    [Fact]
    public void A_single_directory_is_a_node_under_its_parent_and_the_root_is_the_prefix_itself()
    {
        MissingDirectories.Plan(["/srv/app"]).Should().BeEquivalentTo(new MissingDirectories.Query("/srv/", ["app"]));
        var root = MissingDirectories.Plan(["/"]);
        root.Nodes.Should().BeEmpty();
        MissingDirectories.Read(root, ["/"], 0, []).Should().Equal(new Dictionary<string, int> { ["/"] = 0 });
    }

    [Theory]
    [InlineData("x\n")]
    [InlineData("")]
    [InlineData("0\n-1\n")]
    public void TryParse_refuses_an_answer_that_is_not_counts(string output)
        => MissingDirectories.TryParse(output, 0, out _, out _).Should().BeFalse();

    [Fact]
    public void TryParse_offsets_the_indexes_by_the_batch_start()
    {
        MissingDirectories.TryParse("0\n2\n5\n", 100, out var prefix, out var nodes).Should().BeTrue();
        (prefix, nodes).Should().BeEquivalentTo((0, new List<int> { 102, 105 }));
    }
}
