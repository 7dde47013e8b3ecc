using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace TinyMLOps.Conformance
{
    /// <summary>
    /// The native kernel interop library inside nanoCLR: a POSIX nanoCLR rebuilt with firmware/native/nanoframework
    /// (firmware/native/nanoframework/posix/build-nanoclr.sh, cached in the temp folder per source hash, so a CI run
    /// builds it once), then tests/TinyMLOps.NativeKernels.NanoTests on it and on the kit's stock nanoCLR, and the
    /// committed method table checked against the built assembly. Skipped where the toolchain is absent.
    /// </summary>
    public sealed class NativeKernelNanoClrTests
    {
        private static readonly Lazy<NativeRuns> Runs = new Lazy<NativeRuns>(NativeRuns.Start);

        private readonly ITestOutputHelper _output;

        public NativeKernelNanoClrTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [NanoClrFact]
        public void The_native_kernels_run_inside_nanoclr_byte_identical_with_the_csharp_kernels()
        {
            NativeRuns runs = Runs.Value;
            _output.WriteLine(runs.Build);
            _output.WriteLine(runs.Native.Output);
            AllPassed(runs.Native);
            Assert.Contains("kernel backend: native", runs.Native.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("native kernels: absent", runs.Native.Output, StringComparison.Ordinal);
            Assert.Matches(@"native kernels: \d+ runs of 7 conformance models byte-identical", runs.Native.Output);
            Assert.Equal(2, Regex.Matches(runs.Native.Output, @"^bench .*ns per MAC native", RegexOptions.Multiline).Count);
        }

        [NanoClrFact]
        public void The_native_front_ends_run_inside_nanoclr_byte_identical_with_the_csharp_front_ends()
        {
            NativeRuns runs = Runs.Value;
            _output.WriteLine(runs.Native.Output);
            AllPassed(runs.Native);
            Assert.Contains("front-end backend: native", runs.Native.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("native front-ends: absent", runs.Native.Output, StringComparison.Ordinal);
            Assert.Matches(@"native front-ends: \d+ clips and windows byte-identical, noise floors equal", runs.Native.Output);
            Assert.Matches(@"native front-ends: \d+ spoilt arguments thrown, nothing written", runs.Native.Output);
            Assert.Equal(2, Regex.Matches(runs.Native.Output, @"^bench front-end .*ns per clip native \d+", RegexOptions.Multiline).Count);
        }

        [NanoClrFact]
        public void The_stock_nanoclr_has_no_native_kernels_and_the_runtime_falls_back_to_the_csharp_kernels()
        {
            NativeRuns runs = Runs.Value;
            _output.WriteLine(runs.Stock.Output);
            AllPassed(runs.Stock);
            Assert.Contains("kernel backend: managed", runs.Stock.Output, StringComparison.Ordinal);
            Assert.Contains("native kernels: absent", runs.Stock.Output, StringComparison.Ordinal);
            Assert.Contains("front-end backend: managed", runs.Stock.Output, StringComparison.Ordinal);
            Assert.Contains("native front-ends: absent", runs.Stock.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("byte-identical", runs.Stock.Output, StringComparison.Ordinal);
        }

        [NanoClrFact]
        public void The_committed_native_method_table_matches_the_built_interop_assembly()
        {
            NativeRuns runs = Runs.Value;
            _output.WriteLine(runs.TableCheck);
            Assert.True(runs.TableCheckCode == 0, "firmware/native/nanoframework is stale against the built TinyMLOps.NativeKernels:\n" + runs.TableCheck);
        }

        private static void AllPassed(NanoClrRun run)
        {
            Assert.True(run.Passed >= 9, run.Passed + " tests passed on nanoCLR (exit " + run.ExitCode + "):\n" + run.Output);
            Assert.True(run.Failed == 0, run.Failed + " failed on nanoCLR:\n" + run.Output);
            Assert.Equal(0, run.ExitCode);
        }
    }

    /// <summary>The native nanoCLR build and the test project's runs on it and on the stock one, shared by the tests above.</summary>
    internal sealed class NativeRuns
    {
        private const string Project = "tests/TinyMLOps.NativeKernels.NanoTests/TinyMLOps.NativeKernels.NanoTests.nfproj";

        public string Build { get; private set; } = "";

        public NanoClrRun Native { get; private set; } = new NanoClrRun();

        public NanoClrRun Stock { get; private set; } = new NanoClrRun();

        public string TableCheck { get; private set; } = "";

        public int TableCheckCode { get; private set; } = -1;

        public static NativeRuns Start()
        {
            var runs = new NativeRuns();
            string root = Toolchain.RepositoryRoot();
            string kit = Toolchain.Directory();
            string run = Path.Combine(kit, "run");

            // The native nanoCLR builds (minutes, when not cached) while the table check and the stock run go on.
            string log = "";
            var native = System.Threading.Tasks.Task.Run(() => NativeRunner(root, out log));

            string output = Path.Combine(Path.GetTempPath(), "tinymlops-nativekernels-" + Environment.ProcessId);
            Directory.CreateDirectory(output);
            try
            {
                var build = Exec(run, root, null, "build", "firmware/TinyMLOps.NativeKernels/TinyMLOps.NativeKernels.nfproj", output);
                string dll = Path.Combine(output, "TinyMLOps.NativeKernels.dll");
                var pe = Exec(run, root, null, "pe", dll);
                var check = Exec("python3", root, null, "firmware/native/nanoframework/gen_table.py", "--check", output);
                runs.TableCheck = build.Output + pe.Output + check.Output;
                runs.TableCheckCode = check.Code;
            }
            finally
            {
                Directory.Delete(output, true);
            }

            runs.Stock = NanoClrRun.Parse(Exec(run, root, null, "test", "--timeout", "300", Project));
            string runner = native.GetAwaiter().GetResult();
            runs.Build = log;
            runs.Native = runner == null
                ? new NanoClrRun { Output = log, ExitCode = 2 }
                : NanoClrRun.Parse(Exec(run, root, runner, "test", "--timeout", "300", Project));
            return runs;
        }

        /// <summary>The rebuilt runner, from the cache when its sources are unchanged; null when the build failed.</summary>
        private static string NativeRunner(string root, out string log)
        {
            string script = Path.Combine(root, "firmware", "native", "nanoframework", "posix", "build-nanoclr.sh");
            string cache = Path.Combine(Path.GetTempPath(), "tinymlops-nanoclr-" + SourceHash(root));
            string runner = Path.Combine(cache, "kit", "nanoclr", "bin", "nanoFramework.nanoCLR.test");
            if (File.Exists(runner))
            {
                log = "native nanoCLR from the cache: " + runner;
                return runner;
            }

            // Built beside the cache folder and moved into place, so an interrupted build is never taken for a cached one.
            string work = cache + ".building-" + Environment.ProcessId;
            var clock = Stopwatch.StartNew();
            var result = Exec("bash", root, null, script, work);
            if (result.Code != 0 || !File.Exists(Path.Combine(work, "kit", "nanoclr", "bin", "nanoFramework.nanoCLR.test")))
            {
                log = "building the native nanoCLR failed (exit " + result.Code + "):\n" + result.Output;
                return null;
            }

            Directory.Delete(Path.Combine(work, "nf"), true);
            if (!Directory.Exists(cache))
            {
                Directory.Move(work, cache);
            }

            log = "native nanoCLR built in " + clock.Elapsed.TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " s: " + runner;
            return runner;
        }

        /// <summary>What the runner is built from: the glue, the C kernels, the build script and the kit's nanoCLR.</summary>
        private static string SourceHash(string root)
        {
            using var sha = SHA256.Create();
            var files = new System.Collections.Generic.List<string>();
            // What build-nanoclr.sh compiles (not the CMake module or the generator, which do not change the runner).
            string native = Path.Combine(root, "firmware", "native");
            files.AddRange(Directory.EnumerateFiles(Path.Combine(native, "nanoframework"), "*.cpp"));
            files.AddRange(Directory.EnumerateFiles(Path.Combine(native, "nanoframework"), "*.h"));
            files.AddRange(Directory.EnumerateFiles(Path.Combine(native, "nanoframework", "posix")));
            files.AddRange(Directory.EnumerateFiles(Path.Combine(native, "src")));
            files.AddRange(Directory.EnumerateFiles(Path.Combine(native, "include")));

            files.Sort(StringComparer.Ordinal);
            var text = new StringBuilder();
            foreach (string file in files)
            {
                text.Append(Path.GetRelativePath(root, file).Replace('\\', '/')).Append(':').Append(Convert.ToHexString(sha.ComputeHash(File.ReadAllBytes(file)))).Append('\n');
            }

            text.Append(Convert.ToHexString(sha.ComputeHash(File.ReadAllBytes(Path.Combine(Toolchain.Directory(), "nanoclr", "lib", "nanoFramework.nanoCLR.so")))));
            return Convert.ToHexString(sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
        }

        private static (int Code, string Output) Exec(string file, string directory, string nanoClr, params string[] args)
        {
            var start = new ProcessStartInfo(file)
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            if (nanoClr != null)
            {
                start.Environment["NF_NANOCLR"] = nanoClr;
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
    }
}
