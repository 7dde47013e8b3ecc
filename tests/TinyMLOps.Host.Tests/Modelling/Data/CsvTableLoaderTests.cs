using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>CSV tables: the label column, class names, and rows that cannot be read skipped with file:line and the reason.</summary>
public sealed class CsvTableLoaderTests : DataFiles
{
    [Fact]
    public void A_column_named_label_gives_the_classes_and_every_other_column_is_a_feature()
    {
        string path = WriteText("t.csv", "a,label,b\n1.5,0,2\n-3,2,4e3\n");
        DataSet data = CsvTableLoader.Load(path, new DataSetOptions(1, 1, 2));
        Assert.Equal([1.5f, 2f], data.Samples[0]);
        Assert.Equal([-3f, 4000f], data.Samples[1]);
        Assert.Equal([0, 2], data.Labels!);
        Assert.Equal(["0", "1", "2"], data.ClassNames);
    }

    [Fact]
    public void Text_labels_are_class_names_numbered_in_sorted_order_and_another_column_can_be_named()
    {
        string path = WriteText("t.csv", "x;species\n1;setosa\n2;virginica\n3;versicolor\n4;setosa\n");
        DataSet data = CsvTableLoader.Load(path, new DataSetOptions(1, 1, 1) { LabelColumn = "Species", LabelColumnRequired = true });
        Assert.Equal(["setosa", "versicolor", "virginica"], data.ClassNames);
        Assert.Equal([0, 2, 1, 0], data.Labels!);
    }

    [Fact]
    public void A_named_label_column_that_is_missing_is_one_clear_error()
    {
        string path = WriteText("t.csv", "a,b,target\n1,2,0\n");
        var e = Assert.Throws<DataSetException>(() => CsvTableLoader.Load(path, new DataSetOptions(1, 1, 2) { LabelColumn = "class", LabelColumnRequired = true }));
        Assert.Equal($"{path}: no column named 'class' (columns: a, b, target); name the label column with --label-column", e.Message);
    }

    [Fact]
    public void Without_a_label_column_the_rows_are_unlabelled_samples()
    {
        string path = WriteText("t.csv", "a,b\n1,2\n3,4\n");
        DataSet data = CsvTableLoader.Load(path, new DataSetOptions(1, 1, 2));
        Assert.Null(data.Labels);
        Assert.Equal(2, data.Count);
        Assert.Contains("no class labels", Assert.Throws<DataSetException>(() => data.RequireLabels()).Message);
    }

    [Fact]
    public void Ragged_rows_non_numbers_and_missing_labels_are_skipped_with_file_and_line_and_the_rest_loads()
    {
        string path = WriteText("t.csv", "a,b,label\n1,2,0\n1,2\nx,2,1\n3,,1\n4,5,\n6,7,1\n");
        DataSet data = CsvTableLoader.Load(path, new DataSetOptions(1, 1, 2));
        Assert.Equal(2, data.Count);
        Assert.Equal([0, 1], data.Labels!);
        Assert.Equal(
            [$"{path}:3: 2 cells, the header has 3", $"{path}:4: column 'a' is 'x', not a number", $"{path}:5: column 'b' is empty", $"{path}:6: missing label"],
            data.Skipped.Select(s => s.ToString()));
    }

    [Fact]
    public void A_table_with_the_wrong_number_of_features_is_refused_naming_both_counts()
    {
        string path = WriteText("t.csv", "a,b,c,label\n1,2,3,0\n");
        var e = Assert.Throws<DataSetException>(() => CsvTableLoader.Load(path, new DataSetOptions(1, 1, 2)));
        Assert.Contains("3 feature columns besides 'label', the model takes 2", e.Message);
    }

    [Fact]
    public void Non_integer_labels_are_float_targets()
    {
        DataSet data = CsvTableLoader.Load(WriteText("t.csv", "a,label\n1,0.5\n2,1.25\n"), new DataSetOptions(1, 1, 1));
        Assert.Null(data.Labels);
        Assert.Equal([0.5f, 1.25f], data.Targets!);
    }
}
