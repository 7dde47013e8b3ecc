using TinyMLOps.Firmware.Core.App;
using TinyMLOps.Firmware.Tests.Platform;

namespace TinyMLOps.Firmware.Tests.App;

public class SampleFileSensorTests
{
    [Fact]
    public void Replays_whole_samples_in_order_and_starts_again_at_the_end()
    {
        var storage = new MemoryStorage();
        storage.WriteAll("samples.bin", [1, 2, 3, 4, 5, 6, 7, 8]);
        var sensor = new SampleFileSensor(storage, "samples.bin");
        var sample = new byte[3];

        var seen = new List<byte[]>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(sensor.Read(sample));
            seen.Add((byte[])sample.Clone());
        }

        // Two whole samples of three; the two bytes after them are ignored.
        Assert.Equal([[1, 2, 3], [4, 5, 6], [1, 2, 3]], seen);
        Assert.Equal(3, sensor.Reads);
    }

    [Fact]
    public void Reads_nothing_without_a_file_or_with_less_than_one_sample()
    {
        var storage = new MemoryStorage();
        var sensor = new SampleFileSensor(storage, "samples.bin");

        Assert.False(sensor.Read(new byte[3]));
        storage.WriteAll("samples.bin", [1, 2]);
        Assert.False(sensor.Read(new byte[3]));
        Assert.False(sensor.Read([]));
    }
}
