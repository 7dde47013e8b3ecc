using System.Buffers.Binary;
using System.IO.Compression;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;

namespace TinyMLOps.Host.Tests.Modelling.Tasks.Fashion;

public class FashionMnistTests
{
    [Fact]
    public void The_installed_training_set_has_60000_images_of_28x28_with_labels_0_to_9()
    {
        ImageDataset train = TestData.FashionTrainFull;
        Assert.Equal(60_000, train.Count);
        Assert.Equal(28, train.Height);
        Assert.Equal(28, train.Width);
        Assert.Equal(1, train.Channels);
        Assert.Equal(60_000 * 784, train.Pixels.Length);
        Assert.All(train.ClassHistogram(), n => Assert.Equal(6_000, n));
    }

    [Fact]
    public void The_installed_test_set_has_10000_images_1000_per_class()
    {
        ImageDataset test = TestData.Fashion.Test;
        Assert.Equal(10_000, test.Count);
        Assert.True(test.Labels.All(l => l < 10));
        Assert.All(test.ClassHistogram(), n => Assert.Equal(1_000, n));
        Assert.Equal(10, test.ClassNames.Count);
        Assert.Equal("T-shirt/top", test.ClassNames[0]);
        Assert.Equal("Ankle boot", test.ClassNames[9]);
    }

    [Fact]
    public void The_held_out_split_is_the_last_5000_training_images()
    {
        FashionMnistSplits s = TestData.Fashion;
        ImageDataset full = TestData.FashionTrainFull;
        Assert.Equal(55_000, s.Train.Count);
        Assert.Equal(5_000, s.HeldOut.Count);
        Assert.True(s.HeldOut.Image(0).SequenceEqual(full.Image(55_000)));
        Assert.True(s.HeldOut.Image(4_999).SequenceEqual(full.Image(59_999)));
        Assert.True(s.Train.Image(54_999).SequenceEqual(full.Image(54_999)));
        Assert.Equal(full.Label(55_000), s.HeldOut.Label(0));
    }

    [Fact]
    public void Float_inputs_are_pixels_divided_by_255()
    {
        ImageDataset test = TestData.Fashion.Test;
        float[] x = test.GetInput(3);
        ReadOnlySpan<byte> pixels = test.Image(3);
        Assert.Equal(784, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(pixels[i] / 255f, x[i]);
        }

        Assert.InRange(x.Max(), 0.5f, 1f);
        Assert.Equal(0f, x.Min());
        float[] batch = test.GetInputs(2, 3);
        Assert.Equal(3 * 784, batch.Length);
        Assert.Equal(x, batch.AsSpan(784, 784).ToArray());
    }

    [Fact]
    public void The_environment_variable_overrides_the_default_directory()
    {
        Assert.Equal(FashionMnist.DebianDirectory, FashionMnist.DirectoryFrom(null));
        Assert.Equal(FashionMnist.DebianDirectory, FashionMnist.DirectoryFrom("  "));
        Assert.Equal("/data/fmnist", FashionMnist.DirectoryFrom("/data/fmnist"));
    }

    [Fact]
    public void A_synthetic_gzip_IDX_pair_reads_back_exactly()
    {
        byte[] pixels = Enumerable.Range(0, 3 * 2 * 4).Select(i => (byte)(i * 7)).ToArray();
        byte[] labels = [2, 0, 9];
        ImageDataset d = FashionMnist.Read(new MemoryStream(Gzip(Images(3, 2, 4, pixels))), new MemoryStream(Gzip(Labels(labels))), "synthetic");
        Assert.Equal(3, d.Count);
        Assert.Equal(2, d.Height);
        Assert.Equal(4, d.Width);
        Assert.Equal(pixels, d.Pixels);
        Assert.Equal(labels, d.Labels);
    }

    [Fact]
    public void Uncompressed_IDX_files_are_accepted_too()
    {
        ImageDataset d = FashionMnist.Read(new MemoryStream(Images(1, 1, 1, [200])), new MemoryStream(Labels([5])), "plain");
        Assert.Equal(200, d.Pixels[0]);
        Assert.Equal(5, d.Label(0));
    }

    [Fact]
    public void A_truncated_gzip_stream_is_reported_as_truncated()
    {
        byte[] gz = File.ReadAllBytes(Path.Combine(FashionMnist.DefaultDirectory, FashionMnist.TestImagesFile));
        byte[] cut = gz.AsSpan(0, gz.Length / 2).ToArray();
        var e = Assert.Throws<IdxFormatException>(() => IdxFiles.ReadImages(new MemoryStream(cut), "cut.gz", out _, out _, out _));
        Assert.Contains("cut.gz", e.Message);
        Assert.True(e.Message.Contains("truncated", StringComparison.Ordinal) || e.Message.Contains("corrupt", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void A_corrupted_gzip_stream_is_reported_as_corrupt()
    {
        byte[] gz = File.ReadAllBytes(Path.Combine(FashionMnist.DefaultDirectory, FashionMnist.TestLabelsFile));
        for (int i = 100; i < 400; i += 3)
        {
            gz[i] ^= 0x5A;
        }

        var e = Assert.ThrowsAny<IOException>(() => IdxFiles.ReadLabels(new MemoryStream(gz), "bad.gz"));
        Assert.IsType<IdxFormatException>(e);
        Assert.Contains("bad.gz", e.Message);
    }

    [Fact]
    public void A_wrong_magic_number_is_rejected_with_both_values_in_the_message()
    {
        var e = Assert.Throws<IdxFormatException>(() => IdxFiles.ReadLabels(new MemoryStream(Images(1, 1, 1, [0])), "swapped"));
        Assert.Contains("0x00000803", e.Message);
        Assert.Contains("0x00000801", e.Message);
    }

    [Fact]
    public void A_file_shorter_than_its_header_announces_is_rejected()
    {
        byte[] idx = Images(10, 28, 28, new byte[10 * 784]);
        byte[] cut = idx.AsSpan(0, idx.Length - 100).ToArray();
        var e = Assert.Throws<IdxFormatException>(() => IdxFiles.ReadImages(new MemoryStream(Gzip(cut)), "short", out _, out _, out _));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Trailing_bytes_after_the_data_are_rejected()
    {
        byte[] idx = [.. Labels([1, 2]), 0];
        Assert.Throws<IdxFormatException>(() => IdxFiles.ReadLabels(new MemoryStream(idx), "long"));
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        Assert.Throws<IdxFormatException>(() => IdxFiles.ReadLabels(new MemoryStream([]), "empty"));
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_rejected()
    {
        var e = Assert.Throws<IdxFormatException>(() =>
            FashionMnist.Read(new MemoryStream(Images(2, 1, 1, [1, 2])), new MemoryStream(Labels([1])), "mismatch"));
        Assert.Contains("2 images", e.Message);
    }

    [Fact]
    public void A_label_outside_the_ten_classes_is_rejected()
    {
        var e = Assert.Throws<IdxFormatException>(() =>
            FashionMnist.Read(new MemoryStream(Images(1, 1, 1, [1])), new MemoryStream(Labels([10])), "label"));
        Assert.Contains("label 10", e.Message);
    }

    [Fact]
    public void A_missing_directory_names_the_file_and_the_environment_variable()
    {
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.LoadTest("/nonexistent/fmnist"));
        Assert.Contains(FashionMnist.EnvironmentVariable, e.Message);
        Assert.Contains("t10k", e.Message);
    }

    private static byte[] Images(int count, int rows, int cols, byte[] pixels)
    {
        var b = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, IdxFiles.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), cols);
        pixels.CopyTo(b, 16);
        return b;
    }

    private static byte[] Labels(byte[] labels)
    {
        var b = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(b, IdxFiles.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), labels.Length);
        labels.CopyTo(b, 8);
        return b;
    }

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }
}
