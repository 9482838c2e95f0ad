using Deploy.Core.Errors;
using Deploy.Core.Lifecycle.Merge;

namespace Deploy.Core.Tests.Lifecycle;

public class ThreeWayMergeTests
{
    private const string Base = "a\nb\nc\nd\ne\n";

    [Fact]
    public void User_edit_survives_and_package_change_to_another_line_is_applied()
    {
        var r = ThreeWayMerge.Merge(Base, "a\nB-user\nc\nd\ne\n", "a\nb\nc\nd\nE-pkg\n", "app.conf");
        r.HasConflicts.Should().BeFalse();
        r.Text.Should().Be("a\nB-user\nc\nd\nE-pkg\n");
        r.ChangesLive.Should().BeTrue();
    }

    [Fact]
    public void Unchanged_package_keeps_live_file_byte_for_byte()
    {
        var live = "a\nb\nuser\nc\nd\ne\n";
        var r = ThreeWayMerge.Merge(Base, live, Base);
        r.Text.Should().Be(live);
        r.ChangesLive.Should().BeFalse();
    }

    [Fact]
    public void Untouched_live_file_takes_new_render()
    {
        var n = "a\nb2\nc\nnew line\nd\ne\n";
        ThreeWayMerge.Merge(Base, Base, n).Text.Should().Be(n);
    }

    [Fact]
    public void Same_line_changed_differently_is_a_conflict_with_both_sides_and_line_ranges()
    {
        var r = ThreeWayMerge.Merge(Base, "a\nb\nLIVE\nd\ne\n", "a\nb\nNEW\nd\ne\n", "/etc/app.conf");
        r.HasConflicts.Should().BeTrue();
        var c = r.Conflicts.Should().ContainSingle().Subject;
        c.File.Should().Be("/etc/app.conf");
        c.Base.Should().Be(new LineRange(3, 1));
        c.Live.Should().Be(new LineRange(3, 1));
        c.New.Should().Be(new LineRange(3, 1));
        c.BaseText.Should().Be("c\n");
        c.LiveText.Should().Be("LIVE\n");
        c.NewText.Should().Be("NEW\n");
    }

    [Fact]
    public void Conflict_resolves_by_take_new_or_keep_live_and_other_changes_still_apply()
    {
        var r = ThreeWayMerge.Merge(Base, "a\nb\nLIVE\nd\ne\n", "A\nb\nNEW\nd\ne\n");
        r.Resolve(ConflictResolution.TakeNew).Should().Be("A\nb\nNEW\nd\ne\n");
        r.Resolve(ConflictResolution.KeepLive).Should().Be("A\nb\nLIVE\nd\ne\n");
    }

    [Fact]
    public void Text_of_a_conflicted_merge_throws_MergeConflict_naming_file_and_both_sides()
    {
        var r = ThreeWayMerge.Merge(Base, "a\nb\nLIVE\nd\ne\n", "a\nb\nNEW\nd\ne\n", "/etc/app.conf");
        var act = () => r.Text;
        act.Should().Throw<DeployException>().Where(e => e.Code == DeployErrorCode.MergeConflict && e.Path == "/etc/app.conf"
            && e.Message.Contains("LIVE") && e.Message.Contains("NEW") && e.Message.Contains("line 3") && e.Message.Contains("--take-new"));
    }

    [Fact]
    public void Conflict_message_redacts_secrets_when_asked()
    {
        var r = ThreeWayMerge.Merge("pw=old\n", "pw=userpw\n", "pw=S3cr3tValue\n", "db.conf");
        var act = () => r.ThrowOnConflict(t => t.Replace("S3cr3tValue", "***", StringComparison.Ordinal));
        act.Should().Throw<DeployException>().Where(e => !e.Message.Contains("S3cr3tValue") && e.Message.Contains("***"));
    }

    [Fact]
    public void Both_sides_making_the_same_change_is_not_a_conflict()
    {
        var same = "a\nb\nSAME\nd\ne\n";
        var r = ThreeWayMerge.Merge(Base, same, same);
        r.HasConflicts.Should().BeFalse();
        r.Text.Should().Be(same);
    }

    [Fact]
    public void Edits_on_adjacent_lines_merge_cleanly()
    {
        var r = ThreeWayMerge.Merge(Base, "a\nb\nC-live\nd\ne\n", "a\nb\nc\nD-new\ne\n");
        r.HasConflicts.Should().BeFalse();
        r.Text.Should().Be("a\nb\nC-live\nD-new\ne\n");
    }

    [Fact]
    public void Edits_at_first_and_last_line_merge()
    {
        ThreeWayMerge.Merge(Base, "A-live\nb\nc\nd\ne\n", "a\nb\nc\nd\nE-new\n").Text.Should().Be("A-live\nb\nc\nd\nE-new\n");
        ThreeWayMerge.Merge(Base, "a\nb\nc\nd\ne\nlive-tail\n", "new-head\na\nb\nc\nd\ne\n").Text.Should().Be("new-head\na\nb\nc\nd\ne\nlive-tail\n");
    }

    [Fact]
    public void Insertions_at_the_same_place_that_differ_conflict()
    {
        var r = ThreeWayMerge.Merge(Base, "a\nb\nlive\nc\nd\ne\n", "a\nb\nnew\nc\nd\ne\n");
        var c = r.Conflicts.Should().ContainSingle().Subject;
        c.Base.Count.Should().Be(0);
        c.LiveText.Should().Be("live\n");
        c.NewText.Should().Be("new\n");
    }

    [Fact]
    public void Insertion_next_to_a_line_the_other_side_changed_is_a_conflict()
    {
        ThreeWayMerge.Merge(Base, "a\nb\nc\ninserted\nd\ne\n", "a\nb\nC2\nd\ne\n").HasConflicts.Should().BeTrue();
    }

    [Fact]
    public void User_deleting_a_line_and_package_changing_another_merge()
    {
        ThreeWayMerge.Merge(Base, "a\nc\nd\ne\n", "a\nb\nc\nd\nE\n").Text.Should().Be("a\nc\nd\nE\n");
    }

    [Fact]
    public void User_deleting_a_line_the_package_changed_is_a_conflict_with_an_empty_live_side()
    {
        var c = ThreeWayMerge.Merge(Base, "a\nc\nd\ne\n", "a\nB\nc\nd\ne\n").Conflicts.Should().ContainSingle().Subject;
        c.LiveText.Should().BeEmpty();
        c.Live.Count.Should().Be(0);
        c.NewText.Should().Be("B\n");
    }

    [Fact]
    public void Crlf_files_keep_their_line_endings()
    {
        var b = "a\r\nb\r\nc\r\n";
        var r = ThreeWayMerge.Merge(b, "a\r\nB\r\nc\r\n", "a\r\nb\r\nC\r\n");
        r.Text.Should().Be("a\r\nB\r\nC\r\n");
    }

    [Fact]
    public void Missing_trailing_newline_is_kept_and_a_package_change_elsewhere_applies()
    {
        ThreeWayMerge.Merge("a\nb\nc", "a\nb\nc-live", "A\nb\nc").Text.Should().Be("A\nb\nc-live");
    }

    [Fact]
    public void Adding_a_line_after_a_last_line_without_newline_conflicts_with_a_user_edit_of_that_line()
    {
        ThreeWayMerge.Merge("a\nb", "a\nb-live", "a\nb\nc").HasConflicts.Should().BeTrue();
    }

    [Fact]
    public void Empty_files_merge()
    {
        ThreeWayMerge.Merge("", "", "").Text.Should().BeEmpty();
        ThreeWayMerge.Merge("", "", "new\n").Text.Should().Be("new\n");
        ThreeWayMerge.Merge("", "live\n", "").Text.Should().Be("live\n");
        ThreeWayMerge.Merge("", "live\n", "new\n").HasConflicts.Should().BeTrue();
        ThreeWayMerge.Merge("", "same\n", "same\n").Text.Should().Be("same\n");
        ThreeWayMerge.Merge("a\n", "", "a\n").Text.Should().BeEmpty();
    }

    [Fact]
    public void Conflict_line_numbers_follow_earlier_insertions_on_each_side()
    {
        var r = ThreeWayMerge.Merge(Base, "x1\nx2\na\nb\nc\nd\nLIVE\n", "a\nb\nc\nd\nNEW\n");
        var c = r.Conflicts.Should().ContainSingle().Subject;
        c.Base.Should().Be(new LineRange(5, 1));
        c.Live.Should().Be(new LineRange(7, 1));
        c.New.Should().Be(new LineRange(5, 1));
        r.Resolve(ConflictResolution.KeepLive).Should().Be("x1\nx2\na\nb\nc\nd\nLIVE\n");
    }

    [Fact]
    public void Several_independent_changes_on_both_sides_all_apply()
    {
        var b = string.Concat(Enumerable.Range(1, 20).Select(i => $"line{i}\n"));
        var live = b.Replace("line3\n", "line3-user\n", StringComparison.Ordinal).Replace("line15\n", "", StringComparison.Ordinal);
        var n = b.Replace("line8\n", "line8-pkg\nline8b-pkg\n", StringComparison.Ordinal).Replace("line20\n", "line20-pkg\n", StringComparison.Ordinal);
        var expected = b.Replace("line3\n", "line3-user\n", StringComparison.Ordinal).Replace("line15\n", "", StringComparison.Ordinal)
            .Replace("line8\n", "line8-pkg\nline8b-pkg\n", StringComparison.Ordinal).Replace("line20\n", "line20-pkg\n", StringComparison.Ordinal);
        ThreeWayMerge.Merge(b, live, n).Text.Should().Be(expected);
    }
}
