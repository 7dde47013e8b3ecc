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

    [Fact]
    public void Replays_int16_windows_little_endian_for_a_front_end()
    {
        short[] clip = [1, -2, 300, short.MinValue, short.MaxValue, 0, -7];
        var storage = new MemoryStorage();
        storage.WriteAll("samples.bin", [.. clip.SelectMany(BitConverter.GetBytes), 9]);
        var sensor = new SampleFileSensor(storage, "samples.bin");
        var window = new short[3];

        var seen = new List<short[]>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(sensor.ReadSamples(window));
            seen.Add((short[])window.Clone());
        }

        // Two whole windows of three samples; the last sample and the odd byte are ignored.
        Assert.Equal([[1, -2, 300], [short.MinValue, short.MaxValue, 0], [1, -2, 300]], seen);
        Assert.Equal(0, sensor.LastIndex);
        Assert.False(new SampleFileSensor(storage, "none.bin").ReadSamples(window));
    }

    [Fact]
    public void Replays_float_rows_for_a_table_model()
    {
        float[] rows = [13.16f, 2.36f, float.NaN, 1185f];
        var storage = new MemoryStorage();
        storage.WriteAll("samples.bin", [.. rows.SelectMany(BitConverter.GetBytes)]);
        var sensor = new SampleFileSensor(storage, "samples.bin");
        var row = new float[2];

        Assert.True(sensor.ReadValues(row));
        Assert.Equal([13.16f, 2.36f], row);
        Assert.True(sensor.ReadValues(row));
        Assert.True(float.IsNaN(row[0]));
        Assert.Equal(1185f, row[1]);
    }
}

public class SampleFileFeedbackTests
{
    [Fact]
    public void The_label_of_each_replayed_sample_comes_from_the_labels_file_once_per_read_and_255_means_none()
    {
        var storage = new MemoryStorage();
        storage.WriteAll("samples.bin", [1, 1, 2, 2, 3, 3, 4, 4]);
        storage.WriteAll("labels.bin", [7, SampleFileFeedback.Unlabelled, 2]); // no label for the fourth sample
        var sensor = new SampleFileSensor(storage, "samples.bin");
        var feedback = new SampleFileFeedback(storage, "labels.bin", sensor);
        var sample = new byte[2];

        Assert.False(feedback.TryTakeLabel(out _)); // nothing read yet
        var labels = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(sensor.Read(sample));
            labels.Add(feedback.TryTakeLabel(out int label) ? label : -1);
            Assert.False(feedback.TryTakeLabel(out _)); // once per read
        }

        Assert.Equal([7, -1, 2, -1, 7], labels);
        Assert.Equal(3, feedback.Given);
    }

    [Fact]
    public void Without_a_labels_file_no_label_is_given()
    {
        var storage = new MemoryStorage();
        storage.WriteAll("samples.bin", [1, 2]);
        var sensor = new SampleFileSensor(storage, "samples.bin");
        var feedback = new SampleFileFeedback(storage, "labels.bin", sensor);
        Assert.True(sensor.Read(new byte[2]));
        Assert.False(feedback.TryTakeLabel(out _));
        Assert.Throws<ArgumentNullException>(() => new SampleFileFeedback(storage, "labels.bin", null!));
    }
}
