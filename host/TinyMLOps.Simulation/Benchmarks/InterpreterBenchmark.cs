using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TinyMLOps.Firmware.Bench;
using TinyMLOps.Shared.Kernels;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>
/// The interpreter's real cost (issue 16), in one run on one machine: the benchmark app
/// (firmware/TinyMLOps.Firmware.Bench) built and run on the nanoFramework toolchain's nanoCLR, the same
/// <see cref="BenchSuite"/> on .NET in this process, and the same kernel shapes as plain C loops
/// (Benchmarks/c/int8_kernels.c, gcc -O2 -fno-tree-vectorize). A missing toolchain or gcc drops its column.
/// </summary>
public static class InterpreterBenchmark
{
    public const string AppProject = "firmware/TinyMLOps.Firmware.Bench/TinyMLOps.Firmware.Bench.nfproj";
    public const string CSource = "Benchmarks/c/int8_kernels.c";

    /// <summary>
    /// Runs the three columns <paramref name="passes"/> times, one after the other, and keeps each item's fastest pass
    /// (a shared host slows some passes down; nothing makes one faster). <paramref name="budgetTicks"/> is the time
    /// per item on .NET and in C (nanoCLR: fixed in the app).
    /// </summary>
    public static InterpreterReport Run(long budgetTicks, int passes = 1, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var runAt = DateTimeOffset.UtcNow;
        string? repo = RepositoryRoot();
        string kit = ToolchainDirectory(repo);
        string? nanoMissing = repo == null
            ? "no TinyMLOps checkout above " + AppContext.BaseDirectory + ": the benchmark app was not built, no nanoCLR column"
            : File.Exists(Path.Combine(kit, "run")) ? null : "no nanoFramework toolchain at " + kit + " (set TINYMLOPS_NANOFRAMEWORK): no nanoCLR column";
        string? gcc = FindOnPath("gcc");
        string? gccMissing = gcc == null ? "no gcc on the PATH: no plain C column" : null;

        var nano = new Dictionary<string, InterpreterMeasurement>();
        var dotnet = new Dictionary<string, InterpreterMeasurement>();
        var c = new Dictionary<string, InterpreterMeasurement>();
        for (int pass = 1; pass <= passes; pass++)
        {
            var pr = passes == 1 ? progress : new Progress<string>(text => progress?.Report($"pass {pass}/{passes}, {text}"));
            if (nanoMissing == null)
            {
                Fastest(nano, RunNanoClr(kit, repo!, pr, cancellationToken, out nanoMissing).Values);
            }

            // The .NET column is the boards' C# kernels on the JIT, not the host's SIMD kernels (HostKernels.Install).
            IKernelBackend? installed = KernelBackends.Default;
            KernelBackends.Default = null;
            try
            {
                var suite = new BenchSuite();
                for (int i = 0; i < BenchSuite.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    pr?.Report($".NET: {BenchSuite.Names[i]} ({i + 1}/{BenchSuite.Count})");
                    var r = suite.Measure(i, budgetTicks);
                    Fastest(dotnet, [new InterpreterMeasurement(r.Name, r.Macs, r.Iterations, r.Ticks)]);
                }
            }
            finally
            {
                KernelBackends.Default = installed;
            }

            if (gccMissing == null)
            {
                Fastest(c, RunC(gcc!, budgetTicks, pr, cancellationToken, out gccMissing).Values);
            }
        }

        var kernels = new List<InterpreterKernelRow>();
        var variants = new List<InterpreterVariantRow>();
        for (int i = 0; i < BenchSuite.Count; i++)
        {
            var d = dotnet[BenchSuite.Names[i]];
            var n = nano.GetValueOrDefault(d.Name);
            if (i < BenchSuite.KernelCount)
            {
                kernels.Add(new InterpreterKernelRow(d.Name, d.Macs, n?.NsPerMac, d.NsPerMac, c.GetValueOrDefault(d.Name)?.NsPerMac));
            }
            else
            {
                variants.Add(new InterpreterVariantRow(d.Name, d.Macs, n?.NsPerRun / 1e6, d.NsPerRun / 1e6));
            }
        }

        return new InterpreterReport(runAt, Machine(), kernels, variants, nanoMissing, gccMissing, passes);
    }

    /// <summary>The checkout: the first folder above the binaries (or the working directory) with TinyMLOps.slnf.</summary>
    public static string? RepositoryRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TinyMLOps.slnf")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>$TINYMLOPS_NANOFRAMEWORK, else ../shared/nanoframework beside the checkout (as NanoClrTests finds it).</summary>
    public static string ToolchainDirectory(string? repo)
    {
        string? configured = Environment.GetEnvironmentVariable("TINYMLOPS_NANOFRAMEWORK");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        return Path.GetFullPath(Path.Combine(repo ?? Directory.GetCurrentDirectory(), "..", "shared", "nanoframework"));
    }

    private static Dictionary<string, InterpreterMeasurement> RunNanoClr(string kit, string repo, IProgress<string>? progress, CancellationToken ct, out string? missing)
    {
        string outDir = Directory.CreateTempSubdirectory("tinymlops-nanoclr-bench-").FullName;
        try
        {
            progress?.Report("nanoCLR: building the benchmark app");
            var lines = RunProcess(Path.Combine(kit, "run"), ["app", Path.Combine(repo, AppProject), outDir], repo, line =>
            {
                if (InterpreterMeasurement.Parse(line) is { } m)
                {
                    progress?.Report($"nanoCLR: {m.Name} done");
                }
                else if (line.StartsWith("bench-start", StringComparison.Ordinal))
                {
                    progress?.Report("nanoCLR: running (about 2.5 s per item)");
                }
            }, ct, out int exit);
            var result = Parse(lines);
            string? error = lines.FirstOrDefault(l => l.StartsWith("bench-error", StringComparison.Ordinal));
            missing = error != null ? "the nanoCLR run failed: " + error
                : exit != 0 || result.Count < BenchSuite.Count ? $"the nanoCLR run ended early (exit {exit}): {string.Join(" / ", lines.TakeLast(3))}" : null;
            return result;
        }
        finally
        {
            Directory.Delete(outDir, true);
        }
    }

    private static Dictionary<string, InterpreterMeasurement> RunC(string gcc, long budgetTicks, IProgress<string>? progress, CancellationToken ct, out string? missing)
    {
        string source = Path.Combine(AppContext.BaseDirectory, CSource);
        string dir = Directory.CreateTempSubdirectory("tinymlops-c-bench-").FullName;
        try
        {
            progress?.Report("C: gcc -O2 -fno-tree-vectorize");
            string exe = Path.Combine(dir, "int8_kernels");
            var compile = RunProcess(gcc, ["-O2", "-fno-tree-vectorize", "-o", exe, source], dir, null, ct, out int exit);
            if (exit != 0)
            {
                missing = "gcc failed: " + string.Join(" / ", compile.Take(3));
                return [];
            }

            progress?.Report("C: running the kernel loops");
            var lines = RunProcess(exe, [budgetTicks.ToString(CultureInfo.InvariantCulture)], dir, null, ct, out exit);
            missing = exit != 0 ? $"the C run failed (exit {exit})" : null;
            return Parse(lines);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static void Fastest(Dictionary<string, InterpreterMeasurement> best, IEnumerable<InterpreterMeasurement> pass)
    {
        foreach (var m in pass)
        {
            if (!best.TryGetValue(m.Name, out var b) || m.NsPerRun < b.NsPerRun)
            {
                best[m.Name] = m;
            }
        }
    }

    private static Dictionary<string, InterpreterMeasurement> Parse(IEnumerable<string> lines) =>
        lines.Select(InterpreterMeasurement.Parse).OfType<InterpreterMeasurement>().GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());

    /// <summary>Runs a program, returns its stdout and stderr lines (stdout also to <paramref name="onLine"/> as they come).</summary>
    private static List<string> RunProcess(string file, IReadOnlyList<string> args, string workingDirectory, Action<string>? onLine, CancellationToken ct, out int exitCode)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        var lines = new List<string>();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
            {
                lock (lines)
                {
                    lines.Add(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        using (ct.Register(() =>
        {
            try
            {
                process.Kill(true);
            }
            catch (InvalidOperationException)
            {
            }
        }))
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                onLine?.Invoke(line);
            }

            process.WaitForExit();
        }

        ct.ThrowIfCancellationRequested();
        exitCode = process.ExitCode;
        lock (lines)
        {
            return [.. lines];
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>CPU model, cores, OS and .NET version: where the figures were measured.</summary>
    public static string Machine()
    {
        string cpu = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string? model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (model != null)
                {
                    cpu = model[(model.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return $"{cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
