namespace TinyMLOps.Modelling.Data;

/// <summary>
/// The ImageFolder convention shared by the image, audio and sensor-window loaders: root/CLASS/file, classes numbered
/// in sorted (ordinal) folder-name order as torchvision does, files in sorted order; a folder without class
/// subfolders gives unlabelled samples. Files of other types are ignored; a file that cannot be read is skipped with
/// its reason and the rest still load.
/// </summary>
public static class ClassFolders
{
    /// <summary>The files with <paramref name="extension"/> under <paramref name="root"/>, each with its class (-1 when unlabelled), and the class names.</summary>
    public static (IReadOnlyList<(string File, int Label)> Files, IReadOnlyList<string> Classes) Find(string root, string extension)
    {
        string[] classDirs = [.. Directory.GetDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && Matching(d, extension, SearchOption.AllDirectories).Any())
            .Order(StringComparer.Ordinal)];
        if (classDirs.Length == 0)
        {
            return ([.. Matching(root, extension, SearchOption.TopDirectoryOnly).Select(f => (f, -1))], []);
        }

        var files = new List<(string, int)>();
        for (int k = 0; k < classDirs.Length; k++)
        {
            files.AddRange(Matching(classDirs[k], extension, SearchOption.AllDirectories).Select(f => (f, k)));
        }

        return (files, [.. classDirs.Select(Path.GetFileName).Select(n => n!)]);
    }

    /// <summary>Reads every file found with <paramref name="read"/>; a <see cref="DataSetException"/> or I/O error skips that file.</summary>
    public static DataSet Read(string root, string extension, string format, DataSetOptions options, Func<string, float[]> read)
    {
        var (files, classes) = Find(root, extension);
        if (files.Count == 0)
        {
            throw new DataSetException($"{root}: no {extension} files, neither in class subfolders nor in the folder itself");
        }

        var samples = new List<float[]>();
        var labels = new List<int>();
        var skipped = new List<SkippedFile>();
        foreach (var (file, label) in files)
        {
            try
            {
                samples.Add(read(file));
                labels.Add(label);
            }
            catch (Exception e) when (e is DataSetException or IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedFile(file, e.Message));
            }
        }

        if (samples.Count == 0)
        {
            throw new DataSetException($"{root}: none of the {files.Count} {extension} files could be read; the first: {skipped[0]}");
        }

        return new DataSet(root, format, options.Height, options.Width, options.Channels, samples, classes.Count > 0 ? [.. labels] : null, null, classes, skipped);
    }

    private static IEnumerable<string> Matching(string dir, string extension, SearchOption option) =>
        Directory.EnumerateFiles(dir, "*", option)
            .Where(f => f.EndsWith(extension, StringComparison.OrdinalIgnoreCase) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal);
}
