using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// A battery that drains while unplugged and charges while plugged in, in simulated time. A board
/// without a battery reports external power and no gauge.
/// </summary>
public sealed class SimBattery : IPower
{
    private readonly bool _hasBattery;
    private double _percent;

    public SimBattery(bool hasBattery, double percent, double drainPerHour, double chargePerHour)
    {
        _hasBattery = hasBattery;
        _percent = percent;
        DrainPerHour = drainPerHour;
        ChargePerHour = chargePerHour;
        PluggedIn = !hasBattery;
    }

    public double DrainPerHour { get; }

    public double ChargePerHour { get; }

    public bool PluggedIn { get; set; }

    public int Source => !_hasBattery || PluggedIn ? PowerSource.External : PowerSource.Battery;

    public int BatteryPercent => _hasBattery ? (int)Math.Round(_percent) : -1;

    public double Percent => _percent;

    public void Advance(TimeSpan step)
    {
        if (!_hasBattery)
        {
            return;
        }

        double hours = step.TotalHours;
        _percent = PluggedIn ? Math.Min(100, _percent + (ChargePerHour * hours)) : Math.Max(0, _percent - (DrainPerHour * hours));
    }
}
