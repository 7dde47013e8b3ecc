using System.Globalization;

namespace TinyMLOps.Modelling.Data;

/// <summary>
/// A NumPy pair: X.npy of samples in any shape <see cref="ResolvedInput"/> accepts ((N, C, H, W), (N, H, W, C),
/// (N, H·W·C) flat, ...) and, optionally, y.npy of N labels: integers are classes, other numbers float targets. The
/// labels come from <see cref="DataSetOptions.LabelsPath"/>, else a file beside X named y.npy (for x.npy or X.npy),
/// STEM_y.npy or STEM_labels.npy; without one the samples are unlabelled.
/// </summary>
public static class NpyPairLoader
{
    public const string Format = "NumPy .npy";

    public static DataSet Load(string path, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        NpyArray array = Npy.Read(path);
        ResolvedInput resolved;
        try
        {
            resolved = ResolvedInput.Resolve(array.Shape, options.Height, options.Width, options.Channels, options.Layout);
        }
        catch (ArgumentException e)
        {
            throw new DataSetException($"{path}: {e.Message}");
        }

        var samples = new float[resolved.Count][];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = new float[options.Elements];
            resolved.CopySample(array.Values, i, options.Height, options.Width, options.Channels, samples[i]);
        }

        string format = $"{Format}, {array.ShapeText} {array.Descr} read as {resolved.Name}";
        string? labelsPath = options.LabelsPath ?? Beside(path);
        if (labelsPath == null)
        {
            return new DataSet(path, format, options.Height, options.Width, options.Channels, samples, null, null, [], []);
        }

        float[] y = Npy.Read(labelsPath).Values;
        if (y.Length != samples.Length)
        {
            throw new DataSetException($"{labelsPath}: {y.Length} labels for the {samples.Length} samples of {Path.GetFileName(path)}");
        }

        format += $" with labels {Path.GetFileName(labelsPath)}";
        if (y.All(v => float.IsInteger(v) && v >= 0))
        {
            int[] labels = [.. y.Select(v => (int)v)];
            return new DataSet(path, format, options.Height, options.Width, options.Channels, samples, labels, null, [.. Enumerable.Range(0, labels.Max() + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))], []);
        }

        return new DataSet(path, format, options.Height, options.Width, options.Channels, samples, null, y, [], []);
    }

    /// <summary>The labels file beside <paramref name="path"/>, or null.</summary>
    public static string? Beside(string path)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string stem = Path.GetFileNameWithoutExtension(path);
        string[] names = stem is "x" or "X" ? ["y.npy", "Y.npy"] : [$"{stem}_y.npy", $"{stem}_labels.npy"];
        return names.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);
    }
}
