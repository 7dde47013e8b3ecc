using System.Globalization;

namespace TinyMLOps.Modelling.Data;

/// <summary>
/// Opens the user's data at a path, whatever its form, for every verb that reads data. The form is chosen by the path:
/// a .csv file is a table; a .npy file is samples (with labels beside them); an idx3 file is IDX images and labels; a
/// .png or .wav file is one unlabelled sample; a folder holding train and test (folders or files of one form, e.g.
/// train/ and test/ ImageFolders or train.csv and test.csv) is an explicit split; any other folder is read by what
/// it holds: PNG images or WAV clips in class subfolders, one CSV per sensor window (models with a time axis) or CSV
/// tables with the same columns (feature-vector models), X.npy with y.npy, IDX files.
/// </summary>
public static class DataSetLoader
{
    /// <summary>
    /// The data at <paramref name="path"/>, split into the part to calibrate on and the part to evaluate: the train and
    /// test parts when the path has them; else a seeded split when <see cref="DataSetOptions.Holdout"/> is set; else all
    /// samples for both.
    /// </summary>
    public static DataSplit Open(string path, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(path) && Part(path, "train") is { } train && Part(path, "test") is { } test)
        {
            DataSet trainSet = Read(train, options), testSet = Read(test, options);
            if (Numbered(trainSet.ClassNames) && Numbered(testSet.ClassNames))
            {
                // Class numbers from labels: a part may lack the highest class without renumbering the others.
                IReadOnlyList<string> names = trainSet.ClassNames.Count >= testSet.ClassNames.Count ? trainSet.ClassNames : testSet.ClassNames;
                (trainSet, testSet) = (trainSet.WithClassNames(names), testSet.WithClassNames(names));
            }

            trainSet = Relabel(trainSet, "train part");
            testSet = Relabel(testSet, "test part");
            if (trainSet.Labels != null && testSet.Labels != null && !trainSet.ClassNames.SequenceEqual(testSet.ClassNames))
            {
                throw new DataSetException($"{path}: the train part's classes ({string.Join(", ", trainSet.ClassNames)}) differ from the test part's ({string.Join(", ", testSet.ClassNames)})");
            }

            return new DataSplit(trainSet, testSet, $"explicit split: {Path.GetFileName(train)} and {Path.GetFileName(test)}");
        }

        if (Directory.Exists(path) && IdxPair(path) is { } idx)
        {
            // MNIST-style folders hold both parts: train-* and t10k-*.
            return new DataSplit(
                Relabel(IdxLoader.Load(idx.Train, options), "train part"),
                Relabel(IdxLoader.Load(idx.Test, options), "test part"),
                $"explicit split: {Path.GetFileName(idx.Train)} and {Path.GetFileName(idx.Test)}");
        }

        DataSet all = Read(path, options);
        if (options.Holdout > 0)
        {
            var (fit, heldOut) = all.SplitHoldout(options.Holdout, options.SplitSeed);
            return new DataSplit(fit, heldOut, $"seeded split: seed {options.SplitSeed}, {options.Holdout.ToString("P0", CultureInfo.InvariantCulture)} held out");
        }

        return new DataSplit(all, all, "no split: all samples");
    }

    /// <summary>One data set (no split) from a file or folder.</summary>
    public static DataSet Read(string path, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (File.Exists(path))
        {
            return ReadFile(path, options);
        }

        if (!Directory.Exists(path))
        {
            throw new DataSetException($"{path}: no such file or folder");
        }

        string[] files = [.. Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.'))];
        bool Has(string ext) => files.Any(f => f.EndsWith(ext, StringComparison.OrdinalIgnoreCase));
        string[] top = Directory.GetFiles(path);
        if (top.Where(IdxLoader.IsImagesFile).Order(StringComparer.Ordinal).FirstOrDefault() is { } idx)
        {
            return IdxLoader.Load(idx, options);
        }

        if (top.FirstOrDefault(f => Path.GetFileName(f) is "X.npy" or "x.npy") is { } x)
        {
            return NpyPairLoader.Load(x, options);
        }

        if (Has(".png"))
        {
            return ImageFolderLoader.Load(path, options);
        }

        if (Has(".wav"))
        {
            return WavFolderLoader.Load(path, options);
        }

        if (Has(".csv"))
        {
            // A model with a time axis reads one window per file; a feature-vector model reads rows of tables.
            return options.Height * options.Width > 1
                ? CsvWindowLoader.Load(path, options)
                : CsvTableLoader.Load([.. files.Where(f => f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)], path, options);
        }

        throw new DataSetException($"{path}: found no data: expected PNG images or WAV clips (in class subfolders), CSV files, X.npy and y.npy, or IDX files");
    }

    private static DataSet ReadFile(string path, DataSetOptions options)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (IdxLoader.IsImagesFile(path))
        {
            return IdxLoader.Load(path, options);
        }

        switch (ext)
        {
            case ".csv":
                return options.Height * options.Width > 1 && options.Height == 1
                    ? Single(path, "sensor window (CSV)", options, () => CsvWindowLoader.Read(path, options.Width, options.Channels))
                    : CsvTableLoader.Load(path, options);
            case ".npy":
                return NpyPairLoader.Load(path, options);
            case ".png":
                if (options.Channels is not (1 or 3))
                {
                    throw new DataSetException($"{path}: PNG images give 1 or 3 channels; the model's input has {options.Channels}");
                }

                return Single(path, "PNG image", options, () => ImageFolderLoader.Read(path, options.Height, options.Width, options.Channels));
            case ".wav":
                return SingleWav(path, options);
            default:
                throw new DataSetException($"{path}: unknown data file type '{ext}'; expected .csv, .npy, .png, .wav, an idx3 images file, or a folder");
        }
    }

    private static DataSet SingleWav(string path, DataSetOptions options) => Single(path, "WAV clip", options, () =>
    {
        Waveform wave = WavFolderLoader.Read(File.ReadAllBytes(path));
        if (options.SampleRate is { } rate && wave.SampleRate != rate)
        {
            throw new DataSetException($"sample rate {wave.SampleRate} Hz, expected {rate} Hz");
        }

        if (options.Waveform != null)
        {
            return options.Waveform(wave.Samples, wave.SampleRate);
        }

        var x = new float[options.Elements];
        wave.Samples.AsSpan(0, Math.Min(x.Length, wave.Samples.Length)).CopyTo(x);
        return x;
    });

    /// <summary>One unlabelled sample; a reader's reason is prefixed with the file.</summary>
    private static DataSet Single(string path, string format, DataSetOptions options, Func<float[]> read)
    {
        float[] sample;
        try
        {
            sample = read();
        }
        catch (DataSetException e)
        {
            throw new DataSetException($"{path}: {e.Message}");
        }

        return new(path, format, options.Height, options.Width, options.Channels, [sample], null, null, [], []);
    }

    /// <summary>The entry of <paramref name="dir"/> named <paramref name="name"/> (a folder, or a file with any extension), ignoring case.</summary>
    private static string? Part(string dir, string name) =>
        Directory.EnumerateFileSystemEntries(dir)
            .Where(e => Path.GetFileNameWithoutExtension(e).Equals(name, StringComparison.OrdinalIgnoreCase) || Path.GetFileName(e).Equals(name, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();

    private static (string Train, string Test)? IdxPair(string dir)
    {
        string[] images = [.. Directory.GetFiles(dir).Where(IdxLoader.IsImagesFile).Order(StringComparer.Ordinal)];
        string? train = images.FirstOrDefault(f => Path.GetFileName(f).StartsWith("train", StringComparison.OrdinalIgnoreCase));
        string? test = images.FirstOrDefault(f => Path.GetFileName(f).StartsWith("t10k", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(f).StartsWith("test", StringComparison.OrdinalIgnoreCase));
        return train != null && test != null ? (train, test) : null;
    }

    private static bool Numbered(IReadOnlyList<string> names) =>
        names.Select((n, i) => n == i.ToString(CultureInfo.InvariantCulture)).All(b => b);

    private static DataSet Relabel(DataSet d, string split) => d.Subset([.. Enumerable.Range(0, d.Count)], split);
}
