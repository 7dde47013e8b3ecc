using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Host.Data;

namespace TinyMLOps.Host.Fleet;

/// <summary>A virtual board's camera: the images of its own partition of a data set, in a loop.</summary>
public sealed class DatasetSensor(ImageDataset partition) : ISensor
{
    private int _next;

    public ImageDataset Partition => partition;

    public int LastLabel { get; private set; } = -1;

    public bool Read(byte[] sample)
    {
        if (partition.Count == 0)
        {
            return false;
        }

        int index = _next;
        _next = (_next + 1) % partition.Count;
        partition.Image(index).CopyTo(sample);
        LastLabel = partition.Label(index);
        return true;
    }
}
