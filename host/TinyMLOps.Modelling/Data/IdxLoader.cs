namespace TinyMLOps.Modelling.Data;

/// <summary>
/// MNIST-style IDX files: an images file (idx3-ubyte, gzip or plain) and its labels file (the same name with "images"
/// replaced by "labels", or "idx3" by "idx1"), read by <see cref="IdxFiles"/>; labels are numbered; pixels become
/// pixel / 255. The images must have the model's H x W and the model one channel.
/// </summary>
public static class IdxLoader
{
    public const string Format = "IDX images and labels";

    /// <summary>True for a file name that looks like an IDX images file.</summary>
    public static bool IsImagesFile(string path) => Path.GetFileName(path).Contains("idx3", StringComparison.OrdinalIgnoreCase);

    public static DataSet Load(string imagesFile, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string name = Path.GetFileName(imagesFile);
        string labelsName = name.Replace("images", "labels", StringComparison.Ordinal).Replace("idx3", "idx1", StringComparison.Ordinal);
        string dir = Path.GetDirectoryName(Path.GetFullPath(imagesFile))!;
        if (labelsName == name || !File.Exists(Path.Combine(dir, labelsName)))
        {
            throw new DataSetException($"{imagesFile}: no labels file {labelsName} beside it");
        }

        ImageDataset images = IdxFiles.LoadFiles(dir, name, labelsName, name);
        if (images.Height != options.Height || images.Width != options.Width || options.Channels != 1)
        {
            throw new DataSetException($"{imagesFile}: {images.Height}x{images.Width}x1 images, the model takes {options.Height}x{options.Width}x{options.Channels}");
        }

        var samples = new float[images.Count][];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = images.GetInput(i);
        }

        return new DataSet(imagesFile, Format, options.Height, options.Width, 1, samples, [.. images.Labels.Select(l => (int)l)], null, images.ClassNames, []);
    }
}
