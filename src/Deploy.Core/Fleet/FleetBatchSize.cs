using System.Globalization;
using Deploy.Core.Errors;

namespace Deploy.Core.Fleet;

/// <summary>
/// The size of one rolling batch, as a host count (<c>3</c>) or a percentage of the fleet (<c>25%</c>), like
/// Ansible's <c>serial</c>. A percentage rounds down but never below one host.
/// </summary>
public readonly record struct FleetBatchSize
{
    private FleetBatchSize(int count, double percent)
    {
        CountValue = count;
        PercentValue = percent;
    }

    /// <summary>The host count, or 0 when this is a percentage.</summary>
    public int CountValue { get; }

    /// <summary>The percentage (0 &lt; p ≤ 100), or 0 when this is a count.</summary>
    public double PercentValue { get; }

    /// <summary>Whether this size is a percentage of the fleet.</summary>
    public bool IsPercentage => PercentValue > 0;

    /// <summary>A batch of <paramref name="hosts"/> hosts (at least 1).</summary>
    public static FleetBatchSize Count(int hosts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hosts, 1);
        return new FleetBatchSize(hosts, 0);
    }

    /// <summary>A batch of <paramref name="percent"/> percent of the fleet (0 &lt; p ≤ 100).</summary>
    public static FleetBatchSize Percent(double percent)
    {
        if (double.IsNaN(percent) || percent <= 0 || percent > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A batch percentage is above 0 and at most 100.");
        }

        return new FleetBatchSize(0, percent);
    }

    /// <summary>Parses <c>3</c> or <c>25%</c>. Throws <see cref="DeployErrorCode.InvalidArgument"/> for anything else.</summary>
    public static FleetBatchSize Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.EndsWith('%')
            && double.TryParse(t[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p)
            && p > 0 && p <= 100)
        {
            return Percent(p);
        }

        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
        {
            return Count(n);
        }

        throw new DeployException(DeployErrorCode.InvalidArgument, $"'{text}' is not a batch size: write a host count (e.g. 3) or a percentage of the fleet (e.g. 25%).");
    }

    /// <summary>The number of hosts in a batch of this size for a fleet of <paramref name="fleetSize"/>.</summary>
    public int Resolve(int fleetSize)
    {
        if (IsPercentage)
        {
            return Math.Max(1, (int)Math.Floor(fleetSize * PercentValue / 100.0 + 1e-9));
        }

        return CountValue;
    }

    /// <inheritdoc />
    public override string ToString() => IsPercentage
        ? PercentValue.ToString(CultureInfo.InvariantCulture) + "%"
        : CountValue.ToString(CultureInfo.InvariantCulture);
}
