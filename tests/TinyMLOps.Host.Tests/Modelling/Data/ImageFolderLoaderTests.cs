using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>PNG class folders: sorted class numbering, channel conversion, resizing, and corrupt files skipped with their reason.</summary>
public sealed class ImageFolderLoaderTests : DataFiles
{
    [Fact]
    public void Class_subfolders_are_numbered_in_sorted_order_like_torchvision()
    {
        // Ordinal order, as Python's sorted(): upper case before lower case.
        foreach (var (name, value) in new[] { ("zebra", 30), ("Apple", 10), ("mango", 20) })
        {
            Write(Path.Combine(name, "b.png"), DataFiles.GrayPng(4, 4, (byte)value));
            Write(Path.Combine(name, "a.png"), DataFiles.GrayPng(4, 4, (byte)(value + 1)));
        }

        DataSet data = ImageFolderLoader.Load(Root, new DataSetOptions(4, 4, 1));
        Assert.Equal(["Apple", "mango", "zebra"], data.ClassNames);
        Assert.Equal([0, 0, 1, 1, 2, 2], data.Labels!);
        // Files in sorted order inside each class: a.png (value + 1) before b.png.
        Assert.Equal([11, 10, 21, 20, 31, 30], data.Samples.Select(s => (int)Math.Round(s[0] * 255)));
        Assert.Empty(data.Skipped);
    }

    [Fact]
    public void An_rgb_image_becomes_luma_for_a_grayscale_model_and_a_gray_image_three_equal_channels_for_an_rgb_model()
    {
        string rgb = Write("rgb.png", DataFiles.Png(2, 2, true, (_, _) => (200, 100, 50)));
        float[] gray = ImageFolderLoader.Read(rgb, 2, 2, 1);
        Assert.All(gray, v => Assert.Equal(((0.299 * 200) + (0.587 * 100) + (0.114 * 50)) / 255, v, 4));
        float[] colour = ImageFolderLoader.Read(rgb, 2, 2, 3);
        Assert.Equal([200 / 255f, 100 / 255f, 50 / 255f], colour[..3]);

        string g = Write("gray.png", DataFiles.GrayPng(2, 2, 77));
        Assert.All(ImageFolderLoader.Read(g, 2, 2, 3), v => Assert.Equal(77 / 255f, v));
    }

    [Fact]
    public void An_image_of_another_size_is_resized_to_the_model_input()
    {
        // Left half black, right half white: after 8x8 -> 4x4 the left columns stay dark and the right light.
        string path = Write("half.png", DataFiles.Png(8, 8, false, (x, _) => x < 4 ? ((byte)0, (byte)0, (byte)0) : ((byte)255, (byte)255, (byte)255)));
        float[] x = ImageFolderLoader.Read(path, 4, 4, 1);
        Assert.Equal(16, x.Length);
        Assert.True(x[0] < 0.1 && x[3] > 0.9, string.Join(", ", x));
        float[] uniform = ImageFolderLoader.Read(Write("u.png", DataFiles.GrayPng(30, 20, 128)), 7, 5, 1);
        Assert.All(uniform, v => Assert.Equal(128 / 255f, v, 2));
    }

    [Fact]
    public void A_corrupt_or_truncated_png_is_skipped_with_its_reason_and_the_rest_loads()
    {
        Write(Path.Combine("cat", "1.png"), DataFiles.GrayPng(4, 4, 1));
        Write(Path.Combine("cat", "2.png"), "this is not an image"u8.ToArray());
        byte[] good = DataFiles.GrayPng(4, 4, 2);
        Write(Path.Combine("dog", "1.png"), good);
        Write(Path.Combine("dog", "2.png"), good[..(good.Length / 2)]);
        Write(Path.Combine("dog", "notes.txt"), "ignored"u8.ToArray());

        DataSet data = ImageFolderLoader.Load(Root, new DataSetOptions(4, 4, 1));
        Assert.Equal(2, data.Count);
        Assert.Equal([0, 1], data.Labels!);
        Assert.Equal(2, data.Skipped.Count);
        Assert.EndsWith(Path.Combine("cat", "2.png"), data.Skipped[0].Path);
        Assert.Contains("not an image SkiaSharp can decode", data.Skipped[0].Reason);
        Assert.EndsWith(Path.Combine("dog", "2.png"), data.Skipped[1].Path);
        Assert.DoesNotContain('\n', data.Skipped[1].ToString());
        Assert.Contains("skipped 2 files", data.Summary());
    }

    [Fact]
    public void A_model_with_neither_one_nor_three_channels_is_refused_in_one_line()
    {
        Write("a.png", DataFiles.GrayPng(4, 4, 1));
        var e = Assert.Throws<DataSetException>(() => ImageFolderLoader.Load(Root, new DataSetOptions(4, 4, 2)));
        Assert.Contains("1 (grayscale) or 3 (RGB) channels", e.Message);
    }
}
