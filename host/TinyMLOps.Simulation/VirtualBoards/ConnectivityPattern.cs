namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// When a virtual board has a network: online for <see cref="OnlineMinutes"/> out of every
/// <see cref="PeriodMinutes"/>, starting at <see cref="PhaseMinutes"/>, outside any forced outage.
/// </summary>
public sealed record ConnectivityPattern(double PeriodMinutes, double OnlineMinutes, double PhaseMinutes)
{
    public static ConnectivityPattern AlwaysOn { get; } = new(1, 1, 0);

    /// <summary>A simulated outage (a board in a cellar, a week at sea) from..until, in simulated time.</summary>
    public (TimeSpan From, TimeSpan Until)? Outage { get; init; }

    public bool IsOnline(TimeSpan simTime)
    {
        if (Outage is { } o && simTime >= o.From && simTime < o.Until)
        {
            return false;
        }

        if (OnlineMinutes >= PeriodMinutes)
        {
            return true;
        }

        double t = (simTime.TotalMinutes - PhaseMinutes) % PeriodMinutes;
        if (t < 0)
        {
            t += PeriodMinutes;
        }

        return t < OnlineMinutes;
    }
}
