using System.Diagnostics;
using System.Text.Json;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Tests.Kernels;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Kernels;

/// <summary>
/// Every ONNX fixture model, one inference recorded on the host (<see cref="RecordingKernelBackend"/>) and replayed
/// in bare-metal images under QEMU (firmware/native/bench/run.sh --replay): Cortex-M4 and Cortex-M7 on the Arm DSP
/// path, RV32IMC on the portable unrolled path, each also on the reference kernels. Both outputs must equal the
/// managed interpreter's bytes; the instruction counts are written to the test output (docs/benchmarks.md). With
/// TINYMLOPS_REPLAY_DIR set, the blobs and figures.json are kept in that folder (run.sh --replay DIR reruns them).
/// </summary>
public sealed class QemuFixtureModelTests(ITestOutputHelper output)
{
    private static readonly string[] Targets = ["m4-dsp", "m7-dsp", "rv32-unroll"];

    [QemuKernelFact]
    public void Fixture_models_replayed_on_bare_metal_targets_give_the_managed_interpreters_output()
    {
        string? keep = Environment.GetEnvironmentVariable("TINYMLOPS_REPLAY_DIR");
        string dir = string.IsNullOrEmpty(keep) ? Path.Combine(Path.GetTempPath(), "tinymlops-replay-" + Guid.NewGuid().ToString("N")) : keep;
        Directory.CreateDirectory(dir);
        try
        {
            var calls = new Dictionary<string, int>();
            foreach (string file in FixtureModels.Files)
            {
                Int8Model model = FixtureModels.Load(file);
                var rng = new Random(file.Length);
                var input = new sbyte[model.InputElements];
                rng.NextBytes((byte[])(Array)input);
                byte[] blob = RecordingKernelBackend.Record(model, input);
                string name = Path.GetFileNameWithoutExtension(file);
                File.WriteAllBytes(Path.Combine(dir, name + ".tmlr"), blob);
                calls[name] = BitConverter.ToInt32(blob, 7 * 4);
                Assert.Equal(model.Operators.Count(op => op is not Reshape), calls[name]);
            }

            string json = Path.Combine(dir, "figures.json");
            (int code, string text) = RunScript("--replay", dir, "--json", json);
            output.WriteLine(text);
            Assert.True(code == 0, $"run.sh --replay exited with {code}: {text.Split('\n').FirstOrDefault(l => l.Contains("differ") || l.Contains("status"))}");

            using var figures = JsonDocument.Parse(File.ReadAllText(json));
            var models = figures.RootElement.GetProperty("models");
            foreach (string name in calls.Keys)
            {
                Assert.True(models.TryGetProperty(name, out var m), $"{name}: no replay figures");
                foreach (string target in Targets)
                {
                    Assert.True(m.TryGetProperty(target, out var t), $"{name}: not replayed on {target}");
                    Assert.True(t.GetProperty("identical").GetBoolean(), $"{name} on {target}: output differs from the managed interpreter");

                    // The optimised path never costs more than the reference on a whole model.
                    Assert.True(t.GetProperty("optimised").GetDouble() <= t.GetProperty("reference").GetDouble(), $"{name} on {target}: optimised path slower");
                }
            }
        }
        finally
        {
            if (string.IsNullOrEmpty(keep))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    private static (int Code, string Text) RunScript(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(NativeKernels.SourceDirectory()!, "bench", "run.sh"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var errors = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), "run.sh did not finish in 5 minutes");
        return (process.ExitCode, text + errors.Result + $"run.sh {string.Join(' ', args.Take(1))}: {clock.ElapsedMilliseconds} ms");
    }
}
