using System.Buffers.Binary;
using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>One entry point for every form: the format picked from the path, explicit and seeded splits.</summary>
public sealed class DataSetLoaderTests : DataFiles
{
    [Fact]
    public void Train_and_test_subfolders_give_both_parts()
    {
        foreach (string part in new[] { "train", "test" })
        {
            Write(Path.Combine(part, "a", "1.png"), DataFiles.GrayPng(2, 2, 1));
            Write(Path.Combine(part, "b", "1.png"), DataFiles.GrayPng(2, 2, 2));
        }

        Write(Path.Combine("train", "b", "2.png"), DataFiles.GrayPng(2, 2, 3));
        DataSplit split = DataSetLoader.Open(Root, new DataSetOptions(2, 2, 1));
        Assert.Equal(3, split.Train.Count);
        Assert.Equal(2, split.Test.Count);
        Assert.Equal("explicit split: train and test", split.How);
        Assert.Equal(ImageFolderLoader.Format, split.Test.Format);
        Assert.Equal("test part", split.Test.Split);
    }

    [Fact]
    public void Train_and_test_csv_files_in_a_folder_are_a_split_too()
    {
        WriteText("train.csv", "a,label\n1,0\n2,1\n3,1\n");
        WriteText("test.csv", "a,label\n4,0\n");
        DataSplit split = DataSetLoader.Open(Root, new DataSetOptions(1, 1, 1));
        Assert.Equal((3, 1), (split.Train.Count, split.Test.Count));
    }

    [Fact]
    public void A_seeded_split_is_recorded_repeatable_stratified_and_changes_with_the_seed()
    {
        string rows = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"{i},{(i < 80 ? 0 : 1)}"));
        string path = WriteText("t.csv", "x,label\n" + rows + "\n");
        var options = new DataSetOptions(1, 1, 1) { Holdout = 0.25, SplitSeed = 7 };
        DataSplit a = DataSetLoader.Open(path, options);
        DataSplit b = DataSetLoader.Open(path, options);
        DataSplit c = DataSetLoader.Open(path, options with { SplitSeed = 8 });
        Assert.Equal("seeded split: seed 7, 25 % held out", a.How);
        Assert.Contains("seed 7", a.Test.Split);
        Assert.Equal((75, 25), (a.Train.Count, a.Test.Count));
        // Each class keeps its share: 20 of the 80, 5 of the 20.
        Assert.Equal(5, a.Test.Labels!.Count(l => l == 1));
        Assert.Equal(a.Test.Samples.Select(s => s[0]), b.Test.Samples.Select(s => s[0]));
        Assert.NotEqual(a.Test.Samples.Select(s => s[0]), c.Test.Samples.Select(s => s[0]));
        Assert.Empty(a.Train.Samples.Select(s => s[0]).Intersect(a.Test.Samples.Select(s => s[0])));
        // Each part keeps the file order.
        Assert.Equal(a.Test.Samples.Select(s => s[0]).Order(), a.Test.Samples.Select(s => s[0]));
    }

    [Fact]
    public void Without_a_split_both_parts_are_all_samples()
    {
        DataSplit split = DataSetLoader.Open(WriteText("t.csv", "x\n1\n2\n"), new DataSetOptions(1, 1, 1));
        Assert.Same(split.Train, split.Test);
        Assert.Equal("no split: all samples", split.How);
    }

    [Fact]
    public void An_npy_file_finds_its_labels_beside_it_and_a_folder_with_x_and_y_reads_as_a_pair()
    {
        Write("X.npy", Npy.WriteFloat32([1, 2, 3, 4, 5, 6], 3, 2));
        Write("y.npy", Npy.WriteFloat32([1, 0, 1], 3));
        DataSet file = DataSetLoader.Read(Path.Combine(Root, "X.npy"), new DataSetOptions(1, 1, 2));
        DataSet folder = DataSetLoader.Read(Root, new DataSetOptions(1, 1, 2));
        Assert.Equal([1, 0, 1], file.Labels!);
        Assert.Equal(file.Samples.SelectMany(s => s), folder.Samples.SelectMany(s => s));
        Assert.Contains("with labels y.npy", folder.Format);
    }

    [Fact]
    public void Npy_samples_in_channels_first_order_are_transposed_to_the_model_order()
    {
        // One 2x2 sample with 2 channels, NCHW: channel 0 = 1..4, channel 1 = 5..8.
        Write("s.npy", Npy.WriteFloat32([1, 2, 3, 4, 5, 6, 7, 8], 1, 2, 2, 2));
        DataSet data = DataSetLoader.Read(Path.Combine(Root, "s.npy"), new DataSetOptions(2, 2, 2));
        Assert.Equal([1f, 5, 2, 6, 3, 7, 4, 8], data.Samples[0]);
    }

    [Fact]
    public void Idx_images_and_labels_read_as_before()
    {
        Write("my-images-idx3-ubyte", Idx(0x803, [2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4]));
        Write("my-labels-idx1-ubyte", Idx(0x801, [2], [3, 9]));
        DataSet data = DataSetLoader.Read(Root, new DataSetOptions(2, 2, 1));
        Assert.Equal(IdxLoader.Format, data.Format);
        Assert.Equal([3, 9], data.Labels!);
        Assert.Equal([0f, 1f, 0.2f, 0.4f], data.Samples[0]);
    }

    [Fact]
    public void An_mnist_style_folder_splits_into_its_train_and_t10k_files()
    {
        Write("train-images-idx3-ubyte", Idx(0x803, [2, 2, 2], new byte[8]));
        Write("train-labels-idx1-ubyte", Idx(0x801, [2], [1, 2]));
        Write("t10k-images-idx3-ubyte", Idx(0x803, [1, 2, 2], new byte[4]));
        Write("t10k-labels-idx1-ubyte", Idx(0x801, [1], [5]));
        DataSplit split = DataSetLoader.Open(Root, new DataSetOptions(2, 2, 1));
        Assert.Equal([1, 2], split.Train.Labels!);
        Assert.Equal([5], split.Test.Labels!);
        Assert.Equal("explicit split: train-images-idx3-ubyte and t10k-images-idx3-ubyte", split.How);
    }

    [Fact]
    public void Class_folders_named_as_the_model_labels_in_another_order_are_renumbered_to_the_model()
    {
        Write(Path.Combine("cat", "1.png"), DataFiles.GrayPng(2, 2, 1));
        Write(Path.Combine("dog", "1.png"), DataFiles.GrayPng(2, 2, 2));
        DataSet data = DataSetLoader.Read(Root, new DataSetOptions(2, 2, 1));
        Assert.Equal([0, 1], data.Labels!);
        DataSet aligned = data.AlignTo(["dog", "cat"]);
        Assert.Equal([1, 0], aligned.Labels!);
        Assert.Equal(["dog", "cat"], aligned.ClassNames);
        // Names that are not the same set keep the folder numbering.
        Assert.Same(data, data.AlignTo(["0", "1"]));
    }

    [Fact]
    public void A_path_that_holds_no_data_is_one_line_naming_the_forms()
    {
        WriteText("readme.md", "nothing here");
        var e = Assert.Throws<DataSetException>(() => DataSetLoader.Open(Root, new DataSetOptions(1, 1, 1)));
        Assert.Contains("found no data", e.Message);
        Assert.Contains("no such file or folder", Assert.Throws<DataSetException>(() => DataSetLoader.Open(Path.Combine(Root, "missing"), new DataSetOptions(1, 1, 1))).Message);
    }

    private static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        }

        data.CopyTo(bytes.AsSpan(4 + (4 * dims.Length)));
        return bytes;
    }
}
