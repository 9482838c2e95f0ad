using Deploy.Core.Errors;
using Deploy.Core.Fleet;

namespace Deploy.Core.Tests.Fleet;

public class FleetBatchSizeTests
{
    [Theory]
    [InlineData("3", 10, 3)]
    [InlineData("25%", 10, 2)]
    [InlineData("25%", 12, 3)]
    [InlineData("10%", 5, 1)]
    [InlineData("100%", 7, 7)]
    [InlineData("33.3%", 3, 1)]
    [InlineData(" 50% ", 9, 4)]
    public void Sizes_resolve_against_the_fleet_rounding_down_but_never_below_one(string text, int fleet, int expected)
    {
        FleetBatchSize.Parse(text).Resolve(fleet).Should().Be(expected);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("0%")]
    [InlineData("101%")]
    [InlineData("abc")]
    [InlineData("%")]
    [InlineData("")]
    public void Bad_sizes_are_invalid_arguments(string text)
    {
        var act = () => FleetBatchSize.Parse(text);
        act.Should().Throw<DeployException>().Which.Code.Should().Be(DeployErrorCode.InvalidArgument);
    }

    [Theory]
    [InlineData(10, new string[0], new[] { 10 })]
    [InlineData(10, new[] { "3" }, new[] { 3, 3, 3, 1 })]
    [InlineData(10, new[] { "1", "25%" }, new[] { 1, 2, 2, 2, 2, 1 })]
    [InlineData(5, new[] { "1", "2", "50%" }, new[] { 1, 2, 2 })]
    [InlineData(0, new[] { "3" }, new int[0])]
    public void Plans_cut_the_fleet_with_the_last_size_repeating(int fleet, string[] sizes, int[] expected)
    {
        HostFleet.PlanBatches(fleet, sizes.Select(FleetBatchSize.Parse).ToList()).Should().Equal(expected);
    }

    [Theory]
    [InlineData(20, new[] { "1", "10%", "50%", "100%" }, new[] { 1, 1, 8, 10 })]
    [InlineData(3, new[] { "1", "10%", "50%", "100%" }, new[] { 1, 2 })]
    [InlineData(10, new[] { "2", "50%" }, new[] { 2, 3, 5 })]
    [InlineData(4, new[] { "1", "1", "100%" }, new[] { 1, 3 })]
    [InlineData(5, new[] { "10" }, new[] { 5 })]
    [InlineData(0, new[] { "1", "100%" }, new int[0])]
    public void Cohorts_are_cumulative_stages_whose_batches_hold_the_hosts_each_stage_adds(int fleet, string[] cohorts, int[] expected)
    {
        HostFleet.PlanCohorts(fleet, cohorts.Select(FleetBatchSize.Parse).ToList()).Should().Equal(expected);
    }

    [Fact]
    public void Sizes_print_as_they_are_written()
    {
        FleetBatchSize.Parse("25%").ToString().Should().Be("25%");
        FleetBatchSize.Count(4).ToString().Should().Be("4");
    }
}
