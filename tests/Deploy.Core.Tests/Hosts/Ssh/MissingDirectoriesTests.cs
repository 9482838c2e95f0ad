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

    [Fact]
    public async Task GuessFirst_sends_on_the_guess_and_never_asks_the_check_when_the_script_accepts_it()
    {
        var calls = new List<string>();
        var sent = await MissingDirectories.GuessFirstAsync(["/srv/app/a", "/srv/app/b"], guess: true, gate: Task.CompletedTask, (anchor, levels) =>
        {
            calls.Add($"guess {anchor} {levels["/srv/app/a"]}");
            return Task.FromResult<long?>(7);
        }, anchor => calls.Add("missed " + anchor), () => { calls.Add("check"); return Task.FromResult(9L); });

        (sent, calls).Should().BeEquivalentTo((7L, new List<string> { "guess /srv/app 1" }));
    }

    [Fact]
    public async Task GuessFirst_reports_a_refused_anchor_once_and_then_lays_the_attempt_out_on_the_check()
    {
        var calls = new List<string>();
        var sent = await MissingDirectories.GuessFirstAsync(["/srv/app/a"], guess: true, gate: null, (anchor, _) =>
        {
            calls.Add("guess " + anchor);
            return Task.FromResult<long?>(null);
        }, anchor => calls.Add("missed " + anchor), () => { calls.Add("check"); return Task.FromResult(9L); });

        (sent, calls).Should().BeEquivalentTo((9L, new List<string> { "guess /srv/app/a", "missed /srv/app/a", "check" }));
    }

    [Fact]
    public async Task GuessFirst_makes_no_guess_while_the_gate_is_pending_nor_when_disabled_nor_over_the_root()
    {
        var gate = new TaskCompletionSource();
        var guesses = 0;
        Func<string, Dictionary<string, int>, Task<long?>> onGuess = (_, _) => Task.FromResult<long?>(++guesses);

        (await MissingDirectories.GuessFirstAsync(["/srv/app"], true, gate.Task, onGuess, _ => { }, () => Task.FromResult(1L))).Should().Be(1);
        (await MissingDirectories.GuessFirstAsync(["/srv/app"], false, null, onGuess, _ => { }, () => Task.FromResult(2L))).Should().Be(2);
        (await MissingDirectories.GuessFirstAsync(["/srv", "/opt"], true, null, onGuess, _ => { }, () => Task.FromResult(3L))).Should().Be(3);
        guesses.Should().Be(0);

        gate.SetResult();
        (await MissingDirectories.GuessFirstAsync(["/srv/app"], true, gate.Task, onGuess, _ => { }, () => Task.FromResult(4L))).Should().Be(1, "a passed gate no longer holds the guess back");
    }
}
