using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// The optimised MAC kernels against the reference ones inside bare-metal images under QEMU: the Arm DSP path on a
/// Cortex-M4 (mps2-an386) and the portable unrolled path on RV32IMC (virt), each on random layers
/// (firmware/native/bench/run.sh --check). Also checks that the guest's instruction counter reads a loop of known
/// length exactly, up to the fixed cost of reading it.
/// </summary>
public sealed partial class QemuKernelTests(ITestOutputHelper output)
{
    private static readonly string[] Kernels = ["fully_connected", "conv2d", "depthwise_conv2d"];
    private static readonly string[] Targets = ["m4-dsp", "rv32-unroll"];

    [QemuKernelFact]
    public void The_optimised_kernels_give_the_reference_bytes_on_Cortex_M4_and_RV32()
    {
        string script = Path.Combine(NativeKernels.SourceDirectory()!, "bench", "run.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--check");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var errors = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "run.sh --check did not finish in 2 minutes");
        output.WriteLine(text + errors.Result);
        output.WriteLine($"run.sh --check: {clock.ElapsedMilliseconds} ms");
        Assert.True(process.ExitCode == 0, $"run.sh --check exited with {process.ExitCode}: {errors.Result.Split('\n').FirstOrDefault()}");

        var checks = CheckLine().Matches(text).ToDictionary(m => (m.Groups[1].Value, m.Groups[2].Value), m => (Layers: int.Parse(m.Groups[3].Value), Differ: int.Parse(m.Groups[4].Value)));
        foreach (string target in Targets)
        {
            foreach (string kernel in Kernels)
            {
                Assert.True(checks.TryGetValue((target, kernel), out var c), $"{target}: no check line for {kernel}");
                Assert.True(c.Layers >= 400, $"{target}: {kernel} checked on {c.Layers} layers only");
                Assert.True(c.Differ == 0, $"{target}: {kernel}: {c.Differ} of {c.Layers} layers differ from the reference");
            }

            // Two loops, n and 1000 n instructions: the same fixed overhead, so the counter counts every instruction.
            var loops = CalibrationLine().Matches(text).Where(m => m.Groups[1].Value == target).Select(m => (N: double.Parse(m.Groups[2].Value), Read: double.Parse(m.Groups[3].Value))).ToArray();
            Assert.Equal(2, loops.Length);
            Assert.InRange(loops[0].Read - loops[0].N, 0, 40);
            Assert.InRange(Math.Abs((loops[1].Read - loops[1].N) - (loops[0].Read - loops[0].N)), 0, 2);
        }
    }

    [GeneratedRegex(@"^(\S+): (\S+) optimised vs reference on (\d+) random layers: (\d+) differ$", RegexOptions.Multiline)]
    private static partial Regex CheckLine();

    [GeneratedRegex(@"^(\S+): counter on a loop of (\d+) instructions reads ([\d.]+) ", RegexOptions.Multiline)]
    private static partial Regex CalibrationLine();
}
