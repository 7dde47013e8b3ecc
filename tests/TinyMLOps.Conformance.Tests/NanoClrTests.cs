using System;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace TinyMLOps.Conformance
{
    /// <summary>
    /// Runs tests/TinyMLOps.Firmware.NanoTests (its own tests and the conformance suite) on the nanoCLR interpreter through
    /// the nanoFramework toolchain beside the repository (../shared/nanoframework, or $TINYMLOPS_NANOFRAMEWORK): build,
    /// .pe conversion, run. Skipped, with the reason, where the toolchain is absent (a fresh clone elsewhere).
    /// </summary>
    public sealed class NanoClrTests
    {
        /// <summary>What the suite must at least hold, so that a build that silently drops tests fails.</summary>
        private const int MinimumTests = 40;

        private static readonly Lazy<NanoClrRun> Run = new Lazy<NanoClrRun>(NanoClrRun.Start);

        private readonly ITestOutputHelper _output;

        public NanoClrTests(ITestOutputHelper output)
        {
            _output = output;
        }

        /// <summary>One row per test that ran on nanoCLR, so each shows in the run's list and count.</summary>
        public static TheoryData<string> DeviceTests()
        {
            var data = new TheoryData<string>();
            foreach (string name in Run.Value.Results.Keys)
            {
                data.Add(name);
            }

            if (data.Count == 0)
            {
                data.Add("(no test ran)");
            }

            return data;
        }

        [NanoClrFact]
        public void The_device_test_project_builds_and_runs_on_nanoclr_with_every_test_passing()
        {
            NanoClrRun run = Run.Value;
            _output.WriteLine(run.Output);
            Assert.True(run.Passed + run.Failed > 0, "nanoCLR run gave no results (exit " + run.ExitCode + "):\n" + run.Output);
            Assert.True(run.Failed == 0, run.Failed + " failed on nanoCLR:\n" + string.Join("\n", Regex.Matches(run.Output, @"^FAIL .*$", RegexOptions.Multiline)));
            Assert.True(run.Passed >= MinimumTests, run.Passed + " tests ran on nanoCLR, fewer than " + MinimumTests);
            Assert.Equal(0, run.ExitCode);
        }

        [NanoClrTheory]
        [MemberData(nameof(DeviceTests))]
        public void Passes_on_nanoclr(string test)
        {
            string line;
            Assert.True(Run.Value.Results.TryGetValue(test, out line), "not run on nanoCLR: " + test);
            Assert.True(line.StartsWith("PASS", StringComparison.Ordinal) || line.StartsWith("SKIP", StringComparison.Ordinal), line);
        }
    }

    /// <summary>One build and run of the nanoCLR test project, shared by every test of this class.</summary>
    internal sealed class NanoClrRun
    {
        public System.Collections.Generic.Dictionary<string, string> Results { get; } = new System.Collections.Generic.Dictionary<string, string>(StringComparer.Ordinal);

        public string Output { get; set; } = "";

        public int ExitCode { get; set; }

        public int Passed { get; private set; }

        public int Failed { get; private set; }

        public static NanoClrRun Start()
        {
            var run = new NanoClrRun();
            if (!File.Exists(Path.Combine(Toolchain.Directory(), "run")))
            {
                return run;
            }

            var start = new ProcessStartInfo(Path.Combine(Toolchain.Directory(), "run"))
            {
                WorkingDirectory = Toolchain.RepositoryRoot(),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add("test");
            start.ArgumentList.Add("--timeout");
            start.ArgumentList.Add("600");
            start.ArgumentList.Add(Path.Combine("tests", "TinyMLOps.Firmware.NanoTests", "TinyMLOps.Firmware.NanoTests.nfproj"));
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return Parse((process.ExitCode, stdout + stderr.Result));
        }

        /// <summary>The results of a `run test`: its exit status and output, one PASS/FAIL/SKIP line per test.</summary>
        public static NanoClrRun Parse((int Code, string Output) result)
        {
            var run = new NanoClrRun { Output = result.Output, ExitCode = result.Code };
            foreach (Match m in Regex.Matches(result.Output, @"^(PASS|FAIL|SKIP) (\S+?)(\.\d+)?[: ].*$", RegexOptions.Multiline))
            {
                run.Results[m.Groups[2].Value] = m.Value;
                run.Passed += m.Groups[1].Value == "PASS" ? 1 : 0;
                run.Failed += m.Groups[1].Value == "FAIL" ? 1 : 0;
            }

            return run;
        }
    }

    /// <summary>A fact that is skipped, with the reason, where the nanoFramework toolchain is not beside the repository.</summary>
    public sealed class NanoClrFactAttribute : FactAttribute
    {
        public NanoClrFactAttribute()
        {
            Skip = Toolchain.Missing();
        }
    }

    /// <summary>A theory skipped like <see cref="NanoClrFactAttribute"/>.</summary>
    public sealed class NanoClrTheoryAttribute : TheoryAttribute
    {
        public NanoClrTheoryAttribute()
        {
            Skip = Toolchain.Missing();
        }
    }

    internal static class Toolchain
    {
        /// <summary>The skip reason where the toolchain is absent, else null.</summary>
        public static string Missing()
        {
            return File.Exists(Path.Combine(Directory(), "run"))
                ? null
                : "no nanoFramework toolchain at " + Directory() + " (set TINYMLOPS_NANOFRAMEWORK): the device tests were not run on nanoCLR";
        }

        public static string Directory()
        {
            string configured = Environment.GetEnvironmentVariable("TINYMLOPS_NANOFRAMEWORK");
            return string.IsNullOrEmpty(configured) ? Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "nanoframework")) : configured;
        }

        public static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TinyMLOps.slnf")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("TinyMLOps.slnf not found above " + AppContext.BaseDirectory);
        }
    }
}
