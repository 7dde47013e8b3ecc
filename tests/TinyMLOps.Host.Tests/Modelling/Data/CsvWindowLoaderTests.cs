using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>One sensor window per CSV file: time-major samples, and windows of the wrong width or length skipped.</summary>
public sealed class CsvWindowLoaderTests : DataFiles
{
    [Fact]
    public void Windows_in_class_folders_become_time_major_samples_with_their_class()
    {
        WriteText(Path.Combine("walk", "1.csv"), "ax,ay\n1,2\n3,4\n5,6\n");
        WriteText(Path.Combine("idle", "1.csv"), "0,0\n0,1\n0,2\n");
        DataSet data = CsvWindowLoader.Load(Root, new DataSetOptions(1, 3, 2));
        Assert.Equal(["idle", "walk"], data.ClassNames);
        Assert.Equal([0, 1], data.Labels!);
        Assert.Equal([1f, 2, 3, 4, 5, 6], data.Samples[1]);
    }

    [Fact]
    public void A_window_of_the_wrong_width_or_length_or_with_a_bad_cell_is_skipped_with_its_reason()
    {
        WriteText(Path.Combine("a", "good.csv"), "x,y\n1,2\n3,4\n");
        WriteText(Path.Combine("a", "wide.csv"), "x,y,z\n1,2,3\n3,4,5\n");
        WriteText(Path.Combine("a", "short.csv"), "x,y\n1,2\n");
        WriteText(Path.Combine("a", "text.csv"), "x,y\n1,2\n3,oops\n");
        DataSet data = CsvWindowLoader.Load(Root, new DataSetOptions(1, 2, 2));
        Assert.Equal(1, data.Count);
        var reasons = data.Skipped.ToDictionary(s => Path.GetFileName(s.Path), s => s.Reason);
        Assert.Equal("3 columns, the model takes 2 channels", reasons["wide.csv"]);
        Assert.Equal("1 rows (time steps), the model takes 2", reasons["short.csv"]);
        Assert.Equal("line 3: 'oops' is not a number", reasons["text.csv"]);
    }
}
