using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Firmware.Tests.App;

/// <summary>Records what the status LED was told, in order ("on", "off", or the pattern as "pattern 200,300,...").</summary>
internal sealed class FakeLed : ILed
{
    public List<string> Calls { get; } = [];

    public string Last => Calls.Count == 0 ? "(untouched)" : Calls[^1];

    public void On() => Calls.Add("on");

    public void Off() => Calls.Add("off");

    public void SetPattern(int[] durations) => Calls.Add("pattern " + string.Join(",", durations));
}

internal sealed class FakeNetwork : INetwork
{
    public bool Available { get; set; } = true;

    public bool IsUp { get; private set; }

    public bool IsMetered { get; set; }

    public int Joins { get; private set; }

    public bool EnsureUp()
    {
        if (!IsUp)
        {
            Joins++;
            IsUp = Available;
        }

        return IsUp;
    }

    public void Drop() => IsUp = false;
}

internal sealed class FakeSleep(bool canSleep = true) : ISleep
{
    public List<int> Sleeps { get; } = [];

    /// <summary>Asked at each sleep (for example whether the broker link is still open), answers in <see cref="Observed"/>.</summary>
    public Func<bool>? Probe { get; set; }

    public List<bool> Observed { get; } = [];

    public bool DeepSleep(int seconds)
    {
        Sleeps.Add(seconds);
        if (Probe != null)
        {
            Observed.Add(Probe());
        }

        return canSleep;
    }
}
