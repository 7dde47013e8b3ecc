using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace TinyMLOps.NanoCheck.Tests;

/// <summary>
/// The CMake module that adds the native kernel interop library to an nf-interpreter board build
/// (firmware/native/nanoframework/cmake/FindINTEROP-TinyMLOps.NativeKernels.cmake): it names every kernel and glue
/// source, and CMake resolves them the way FindNF_NativeAssemblies.cmake calls it.
/// </summary>
public sealed partial class InteropModuleTests(ITestOutputHelper output)
{
    private static string NativeDir => Path.Combine(RepoLayout.Root, "firmware", "native");

    private static string Module => Path.Combine(NativeDir, "nanoframework", "cmake", "FindINTEROP-TinyMLOps.NativeKernels.cmake");

    [Fact]
    public void The_interop_module_lists_every_kernel_and_glue_source()
    {
        string text = File.ReadAllText(Module);
        var kernels = Listed(text, "TinyMLOps.NativeKernels_KERNELS");
        var glue = Listed(text, "TinyMLOps.NativeKernels_GLUE");

        var kernelFiles = KernelSources().Order(StringComparer.Ordinal).ToList();
        var glueFiles = Directory.GetFiles(Path.Combine(NativeDir, "nanoframework"), "*.cpp").Select(f => "nanoframework/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(kernelFiles);
        Assert.Equal(kernelFiles, kernels.Order(StringComparer.Ordinal));
        Assert.Equal(glueFiles, glue.Order(StringComparer.Ordinal));
    }

    /// <summary>Every C file of src/ and its subfolders (the optimised paths), relative to firmware/native with '/'.</summary>
    private static IEnumerable<string> KernelSources() =>
        Directory.GetFiles(Path.Combine(NativeDir, "src"), "*.c", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(NativeDir, f).Replace(Path.DirectorySeparatorChar, '/'));

    [Fact]
    public async Task Cmake_finds_the_module_as_the_board_build_does_and_resolves_its_sources()
    {
        string cmake = Array.Find((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator), d => File.Exists(Path.Combine(d, "cmake"))) is { } dir
            ? Path.Combine(dir, "cmake")
            : throw new InvalidOperationException("cmake is not on PATH (.ci/setup installs it)");
        string probe = Path.Combine(Path.GetTempPath(), "tinymlops-interop-cmake-" + Environment.ProcessId);
        Directory.CreateDirectory(probe);
        try
        {
            File.WriteAllText(Path.Combine(probe, "CMakeLists.txt"), """
                cmake_minimum_required(VERSION 3.16)
                project(probe NONE)
                list(APPEND CMAKE_MODULE_PATH "${MODULE_DIR}")
                find_package("INTEROP-TinyMLOps.NativeKernels" REQUIRED QUIET)
                message(STATUS "sources: ${TinyMLOps.NativeKernels_SOURCES}")
                message(STATUS "includes: ${TinyMLOps.NativeKernels_INCLUDE_DIRS}")
                """);
            var start = new ProcessStartInfo(cmake) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[] { "-S", probe, "-B", Path.Combine(probe, "build"), "-DMODULE_DIR=" + Path.GetDirectoryName(Module), "-DTINYMLOPS_NATIVE_DIR=" + NativeDir })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var stderrTask = process.StandardError.ReadToEndAsync();
            string stdout = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            string stderr = await stderrTask;
            output.WriteLine(stdout + stderr);
            Assert.True(process.ExitCode == 0, stdout + stderr);

            var sources = SourcesLine().Match(stdout).Groups[1].Value.Split(';');
            Assert.Equal(KernelSources().Count() + 2, sources.Length);
            Assert.All(sources, s => Assert.True(File.Exists(s), s));
            Assert.Contains(Path.Combine(NativeDir, "include"), IncludesLine().Match(stdout).Groups[1].Value.Split(';'));
        }
        finally
        {
            Directory.Delete(probe, true);
        }
    }

    private static List<string> Listed(string text, string variable)
    {
        var m = Regex.Match(text, @"set\(" + Regex.Escape(variable) + @"\s+([^)]*)\)");
        Assert.True(m.Success, "no set(" + variable + " ...) in the module");
        return m.Groups[1].Value.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [GeneratedRegex(@"-- sources: (.*)")]
    private static partial Regex SourcesLine();

    [GeneratedRegex(@"-- includes: (.*)")]
    private static partial Regex IncludesLine();
}
