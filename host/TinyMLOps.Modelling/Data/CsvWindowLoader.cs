namespace TinyMLOps.Modelling.Data;

/// <summary>
/// One sensor window per CSV file, in class subfolders (root/walking/001.csv, classes in sorted folder-name order) or a
/// folder of windows without labels: one row per time step, one column per channel, an optional header row of channel
/// names. A window must have exactly the model's W rows (time steps) and C columns (channels); it becomes a 1 x W x C
/// sample in time-major order (channels interleaved), the order of the file. A file of another width or length, or
/// with a cell that is not a number, is skipped with its reason (file:line for the cell).
/// </summary>
public static class CsvWindowLoader
{
    public const string Format = "sensor windows (one CSV per window)";

    public static DataSet Load(string path, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Height != 1)
        {
            throw new DataSetException($"{path}: one CSV per window needs a model with a 1 x T x C input; this one takes {options.Height}x{options.Width}x{options.Channels}");
        }

        return ClassFolders.Read(path, ".csv", Format, options, file => Read(file, options.Width, options.Channels));
    }

    /// <summary>One window as T·C floats; a <see cref="DataSetException"/> names the problem (with the line of a bad cell).</summary>
    public static float[] Read(string file, int steps, int channels)
    {
        string[] lines = [.. File.ReadLines(file).Where(l => l.Trim().Length > 0)];
        if (lines.Length == 0)
        {
            throw new DataSetException("empty file");
        }

        char delimiter = CsvTableLoader.Delimiter(lines[0]);
        bool header = !CsvTableLoader.Split(lines[0].TrimStart('\uFEFF'), delimiter).All(c => CsvTableLoader.TryNumber(c, out _));
        int first = header ? 1 : 0;
        int width = CsvTableLoader.Split(lines[first < lines.Length ? first : 0], delimiter).Count;
        if (width != channels)
        {
            throw new DataSetException($"{width} columns, the model takes {channels} channels");
        }

        if (lines.Length - first != steps)
        {
            throw new DataSetException($"{lines.Length - first} rows (time steps), the model takes {steps}");
        }

        var x = new float[steps * channels];
        for (int t = 0; t < steps; t++)
        {
            List<string> cells = CsvTableLoader.Split(lines[first + t], delimiter);
            if (cells.Count != channels)
            {
                throw new DataSetException($"line {first + t + 1}: {cells.Count} cells, the model takes {channels} channels");
            }

            for (int c = 0; c < channels; c++)
            {
                if (!CsvTableLoader.TryNumber(cells[c], out x[(t * channels) + c]))
                {
                    throw new DataSetException($"line {first + t + 1}: '{cells[c]}' is not a number");
                }
            }
        }

        return x;
    }
}
