using TinyMLOps.Fleet.Flashing;

namespace TinyMLOps.Host.Tests.Fleet.Flashing;

public sealed class DeploymentImageTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tinymlops-image-");

    /// <summary>A fake app build: the .pe files of the app and its references, with distinct, odd lengths.</summary>
    internal static readonly (string File, byte[] Bytes)[] AppBuild =
    [
        ("TinyMLOps.Firmware.App.pe", [0xA1, 0xA2, 0xA3]),
        ("System.Device.Gpio.pe", [0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7]),
        ("mscorlib.pe", [0xC1, 0xC2, 0xC3, 0xC4, 0xC5]),
        ("nanoFramework.Runtime.Events.pe", [0xD1, 0xD2, 0xD3, 0xD4]),
        ("TinyMLOps.Shared.pe", [0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6]),
    ];

    /// <summary>The image of <see cref="AppBuild"/>: mscorlib, then the references by name (case-insensitive), then the app; each padded to 4.</summary>
    internal static readonly byte[] ExpectedImage =
    [
        0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0, 0, 0, // mscorlib: 5 + 3
        0xD1, 0xD2, 0xD3, 0xD4, // nanoFramework.Runtime.Events: 4 + 0
        0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0, // System.Device.Gpio: 7 + 1
        0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0, 0, // TinyMLOps.Shared: 6 + 2
        0xA1, 0xA2, 0xA3, 0, // the app, last: 3 + 1
    ];

    /// <summary>Writes <see cref="AppBuild"/>, the app's file named after <paramref name="app"/> (the STM32 app for STM32 boards).</summary>
    internal static string WriteAppBuild(string directory, string app = DeploymentImage.AppAssembly)
    {
        Directory.CreateDirectory(directory);
        foreach ((string file, byte[] bytes) in AppBuild)
        {
            File.WriteAllBytes(Path.Combine(directory, file == "TinyMLOps.Firmware.App.pe" ? app + ".pe" : file), bytes);
        }

        File.WriteAllText(Path.Combine(directory, "TinyMLOps.Firmware.App.pdbx"), "not an assembly");
        return directory;
    }

    [Fact]
    public void Puts_mscorlib_first_the_references_by_name_and_the_app_last_each_padded_to_four_bytes()
    {
        string app = WriteAppBuild(Path.Combine(_dir.FullName, "bin"));
        string image = Path.Combine(_dir.FullName, "out", "deployment.bin");

        IReadOnlyList<DeploymentPart> parts = DeploymentImage.Write(app, image);

        Assert.Equal(ExpectedImage, File.ReadAllBytes(image));
        Assert.Equal(["mscorlib", "nanoFramework.Runtime.Events", "System.Device.Gpio", "TinyMLOps.Shared", "TinyMLOps.Firmware.App"], parts.Select(p => p.Name));
        Assert.Equal([0, 8, 12, 20, 28], parts.Select(p => p.Offset));
        Assert.Equal([3, 0, 1, 2, 1], parts.Select(p => p.Padding));
        Assert.All(parts, p => Assert.Equal(0, p.Offset % 4));
    }

    [Fact]
    public void The_order_does_not_depend_on_how_the_folder_lists_its_files()
    {
        string[] files = ["/b/zeta.pe", "/b/TinyMLOps.Firmware.App.pe", "/b/Alpha.pe", "/b/mscorlib.pe", "/b/beta.pe", "/b/readme.txt"];
        var expected = new[] { "/b/mscorlib.pe", "/b/Alpha.pe", "/b/beta.pe", "/b/zeta.pe", "/b/TinyMLOps.Firmware.App.pe" };

        Assert.Equal(expected, DeploymentImage.Order(files));
        Assert.Equal(expected, DeploymentImage.Order(files.Reverse()));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(4, 0)]
    [InlineData(1021, 3)]
    public void Pads_with_zeros_up_to_the_next_multiple_of_four(int length, int padding)
    {
        Assert.Equal(padding, DeploymentImage.Padding(length));
        byte[] image = DeploymentImage.Compose([Enumerable.Repeat((byte)0xFF, length).ToArray(), [0x42]], out var layout);
        Assert.Equal(length + padding + 4, image.Length);
        Assert.Equal(length + padding, layout[1].Offset);
        Assert.All(image.Skip(length).Take(padding), b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_build_without_the_app_or_mscorlib_is_refused_naming_what_is_missing()
    {
        var e = Assert.Throws<FileNotFoundException>(() => DeploymentImage.Order(["/b/System.Device.Gpio.pe"]));
        Assert.Contains("mscorlib.pe and TinyMLOps.Firmware.App.pe", e.Message);

        var missing = Assert.Throws<DirectoryNotFoundException>(() => DeploymentImage.FindParts(Path.Combine(_dir.FullName, "nope")));
        Assert.Contains("build firmware/TinyMLOps.Firmware.App", missing.Message);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
