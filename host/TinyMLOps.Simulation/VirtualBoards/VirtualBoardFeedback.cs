using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>Simulated user feedback: with the given chance per classification, the data set's true label of the image just read.</summary>
public sealed class VirtualBoardFeedback(DatasetSensor sensor, double rate, Random random) : IFeedback
{
    public double Rate => rate;

    public int Given { get; private set; }

    public bool TryTakeLabel(out int label)
    {
        label = sensor.LastLabel;
        if (label < 0 || random.NextDouble() >= rate)
        {
            return false;
        }

        Given++;
        return true;
    }
}
