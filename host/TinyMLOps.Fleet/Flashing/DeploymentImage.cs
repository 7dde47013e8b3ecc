namespace TinyMLOps.Fleet.Flashing;

/// <summary>One assembly in a deployment image: its .pe file and where it starts in the image.</summary>
public sealed record DeploymentPart(string Name, string Path, int Offset, int Length, int Padding);

/// <summary>
/// The application image that nanoff --deploy writes to a board's deployment region: the .pe files (nanoFramework's
/// compiled assemblies) one after the other, each padded with zero bytes to a multiple of 4 so that the next one
/// starts word-aligned, which is how nanoCLR walks the region to find them.
/// <para>
/// Order: mscorlib first (every other assembly references it), then the other referenced assemblies by file name
/// (ordinal, case-insensitive, so the same folder gives the same image on every machine and file system), then the
/// application's own assembly last.
/// </para>
/// </summary>
public static class DeploymentImage
{
    /// <summary>The ESP32 application's assembly (firmware/TinyMLOps.Firmware.App); STM32 boards take TinyMLOps.Firmware.App.Stm32 (BoardProfile.AppProject).</summary>
    public const string AppAssembly = "TinyMLOps.Firmware.App";

    public const string CoreLibrary = "mscorlib";

    public const string PeExtension = ".pe";

    /// <summary>The image's parts in deployment order; their lengths are unknown (0) until read.</summary>
    /// <exception cref="FileNotFoundException">The app's .pe or mscorlib.pe is not among <paramref name="peFiles"/>.</exception>
    public static IReadOnlyList<string> Order(IEnumerable<string> peFiles, string appAssembly = AppAssembly)
    {
        ArgumentNullException.ThrowIfNull(peFiles);
        var files = peFiles.Where(f => f.EndsWith(PeExtension, StringComparison.OrdinalIgnoreCase)).ToList();
        string? app = files.FirstOrDefault(f => NameOf(f).Equals(appAssembly, StringComparison.OrdinalIgnoreCase));
        string? core = files.FirstOrDefault(f => NameOf(f).Equals(CoreLibrary, StringComparison.OrdinalIgnoreCase));
        var missing = new List<string>();
        if (core == null)
        {
            missing.Add(CoreLibrary + PeExtension);
        }

        if (app == null)
        {
            missing.Add(appAssembly + PeExtension);
        }

        if (missing.Count > 0)
        {
            throw new FileNotFoundException($"the deployment image needs {string.Join(" and ", missing)}, which the build of the app did not produce");
        }

        var rest = files
            .Where(f => f != app && f != core)
            .OrderBy(f => System.IO.Path.GetFileName(f), StringComparer.OrdinalIgnoreCase)
            .ThenBy(f => System.IO.Path.GetFileName(f), StringComparer.Ordinal);
        return [core!, .. rest, app!];
    }

    /// <summary>The .pe files of <paramref name="appDirectory"/> in deployment order (see <see cref="Order"/>).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<string> FindParts(string appDirectory, string appAssembly = AppAssembly)
    {
        if (!Directory.Exists(appDirectory))
        {
            throw new DirectoryNotFoundException($"no app build at {System.IO.Path.GetFullPath(appDirectory)}: build firmware/{appAssembly} (Release) first, or pass --app-dir");
        }

        return Order(Directory.EnumerateFiles(appDirectory, "*" + PeExtension), appAssembly);
    }

    /// <summary>Concatenates the parts, each padded with zeros to a multiple of 4 bytes.</summary>
    public static byte[] Compose(IReadOnlyList<byte[]> parts, out IReadOnlyList<(int Offset, int Padding)> layout)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var offsets = new List<(int, int)>(parts.Count);
        using var image = new MemoryStream();
        foreach (byte[] part in parts)
        {
            int padding = Padding(part.Length);
            offsets.Add(((int)image.Position, padding));
            image.Write(part);
            image.Write(new byte[padding]);
        }

        layout = offsets;
        return image.ToArray();
    }

    /// <summary>Builds the image of <paramref name="appDirectory"/> and writes it to <paramref name="imagePath"/>.</summary>
    public static IReadOnlyList<DeploymentPart> Write(string appDirectory, string imagePath, string appAssembly = AppAssembly)
    {
        IReadOnlyList<string> files = FindParts(appDirectory, appAssembly);
        var contents = files.Select(File.ReadAllBytes).ToList();
        byte[] image = Compose(contents, out var layout);
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(imagePath));
        if (folder != null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(imagePath, image);
        return files.Select((f, i) => new DeploymentPart(NameOf(f), f, layout[i].Offset, contents[i].Length, layout[i].Padding)).ToList();
    }

    /// <summary>Zero bytes that bring <paramref name="length"/> to a multiple of 4.</summary>
    public static int Padding(int length) => (4 - (length % 4)) % 4;

    private static string NameOf(string path) => System.IO.Path.GetFileNameWithoutExtension(path);
}
