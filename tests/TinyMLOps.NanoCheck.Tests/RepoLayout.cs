namespace TinyMLOps.NanoCheck.Tests;

/// <summary>Where things are: the repository root (the folder holding TinyMLOps.Firmware.sln) and the listings beside it.</summary>
internal static class RepoLayout
{
    public const string SolutionFile = "TinyMLOps.Firmware.sln";

    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string FacadeDir => Path.Combine(Root, "shared", "NanoFramework.Facade");

    public static string SharedDir => Path.Combine(Root, "shared", "TinyMLOps.Shared");

    /// <summary>The device-host contracts, the second shared device assembly.</summary>
    public static string ContractsDir => Path.Combine(Root, "shared", "TinyMLOps.Shared.Contracts");

    public static string FirmwareCoreDir => Path.Combine(Root, "firmware", "TinyMLOps.Firmware.Core");

    public static string FirmwareAdaptersDir => Path.Combine(Root, "firmware", "TinyMLOps.Firmware.Adapters");

    /// <summary>The ESP32 device application.</summary>
    public static string FirmwareAppDir => Path.Combine(Root, "firmware", "TinyMLOps.Firmware.App");

    /// <summary>The STM32 device application.</summary>
    public static string FirmwareAppStm32Dir => Path.Combine(Root, "firmware", "TinyMLOps.Firmware.App.Stm32");

    /// <summary>The interpreter benchmark application (docs/benchmarks.md).</summary>
    public static string FirmwareBenchDir => Path.Combine(Root, "firmware", "TinyMLOps.Firmware.Bench");

    /// <summary>The native kernel interop assembly (InternalCall entry points, docs/firmware.md).</summary>
    public static string NativeKernelsDir => Path.Combine(Root, "firmware", "TinyMLOps.NativeKernels");

    /// <summary>The nanoCLR tests of the interop assembly (run on a native and on the stock nanoCLR).</summary>
    public static string NativeKernelsNanoTestsDir => Path.Combine(Root, "tests", "TinyMLOps.NativeKernels.NanoTests");

    /// <summary>The nanoFramework.TestFramework project whose tests run on nanoCLR.</summary>
    public static string NanoTestsDir => Path.Combine(Root, "tests", "TinyMLOps.Firmware.NanoTests");

    /// <summary>The conformance suite: portable tests shared by the nanoCLR test project and the xunit one.</summary>
    public static string ConformanceDir => Path.Combine(Root, "tests", "TinyMLOps.Conformance");

    /// <summary>The nanoFramework API listings live in the workspace's shared folder, next to the repository.</summary>
    public static string ListingsDir => Path.GetFullPath(Path.Combine(Root, "..", "shared", "nanoframework-api"));

    /// <summary>Every .cs file under a folder, skipping build output (obj/, bin/).</summary>
    public static IReadOnlyList<string> SourceFiles(string dir)
    {
        return Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(dir, f)))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Every .nfproj of the repository.</summary>
    public static IReadOnlyList<string> NfprojFiles()
    {
        return Directory.EnumerateFiles(Root, "*.nfproj", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(Root, f)) && !Path.GetRelativePath(Root, f).StartsWith("packages", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
    }

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static bool IsBuildOutput(string relative)
    {
        string[] parts = relative.Replace('\\', '/').Split('/');
        return parts.Any(p => p is "obj" or "bin");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no " + SolutionFile + " above " + AppContext.BaseDirectory);
    }
}
