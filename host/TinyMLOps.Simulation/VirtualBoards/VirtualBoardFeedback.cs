using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// Simulated user feedback: with the given chance per classification, the true label of the sample just read.
/// The board seeds it once the device runtime is built (<see cref="Seed"/>).
/// </summary>
public sealed class VirtualBoardFeedback(ILabelledSensor sensor, double rate) : IFeedback
{
    private Random _random = new(0);

    public double Rate => rate;

    public int Given { get; private set; }

    public bool TryTakeLabel(out int label)
    {
        label = sensor.LastLabel;
        if (label < 0 || _random.NextDouble() >= rate)
        {
            return false;
        }

        Given++;
        return true;
    }

    public void Seed(int seed) => _random = new Random(seed);
}
