using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// A board's accelerometer on a running machine: every read generates the next window live from
/// <see cref="VibrationGenerator"/>, in the condition <paramref name="condition"/> gives for the simulated time since
/// the fleet started (a bearing defect that appears and grows, or a machine that stays healthy).
/// </summary>
public sealed class MachineSensor(VibrationGenerator generator, int samplesPerAxis, SimClock clock, Func<TimeSpan, MachineCondition> condition) : ISignalSensor, ILabelledSensor
{
    /// <summary>1 when the last window came from a faulty machine, 0 when healthy, -1 before the first read.</summary>
    public int LastLabel { get; private set; } = -1;

    /// <summary>The machine's condition at the last read.</summary>
    public MachineCondition? LastCondition { get; private set; }

    public bool Read(byte[] sample) => false;

    public bool ReadSamples(short[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Length != samplesPerAxis * VibrationGenerator.Axes)
        {
            return false;
        }

        MachineCondition now = condition(TimeSpan.FromMilliseconds(clock.Millis));
        generator.Window(samplesPerAxis, now).CopyTo(samples, 0);
        LastCondition = now;
        LastLabel = now == MachineCondition.Healthy ? 0 : 1;
        return true;
    }

    public bool ReadValues(float[] values) => false;
}
