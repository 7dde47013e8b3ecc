using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// The C99 kernel library in firmware/native, compiled with gcc into a temporary folder on first use and called
/// through P/Invoke. The structs mirror tml_kernels.h field for field. A second build with -DTML_UNROLL holds the
/// portable optimised path of the MAC kernels (src/opt), called through <see cref="Unrolled"/>.
/// </summary>
internal static class NativeKernels
{
    public const string LibraryName = "tml_kernels";

    /// <summary>The build of the portable unrolled path (src/tml_path.h).</summary>
    public const string UnrolledLibraryName = "tml_kernels_unroll";

    /// <summary>The gcc flags the tests build with: warnings are errors, so the library stays warning-free.</summary>
    public static readonly string[] Flags = ["-O2", "-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-shared", "-fPIC"];

    private static readonly Lazy<IntPtr> Handle = new(() => Build(LibraryName));

    private static readonly Lazy<IntPtr> UnrolledHandle = new(() => Build(UnrolledLibraryName, "-DTML_UNROLL"));

    static NativeKernels()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeKernels).Assembly, Resolve);
    }

    /// <summary>Null when the library can be built here, else the one line why it cannot.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the native kernels are built for linux-x64 only: not run on " + RuntimeInformation.OSDescription;
        }

        if (FindOnPath("gcc") == null)
        {
            return "no gcc on the PATH (apt-get install gcc): the native kernels cannot be built";
        }

        return SourceDirectory() == null ? "no TinyMLOps checkout above " + AppContext.BaseDirectory + ": no firmware/native sources" : null;
    }

    /// <summary>Builds and loads the library once; throws with gcc's first lines when it does not compile.</summary>
    public static void EnsureLoaded() => _ = Handle.Value;

    [StructLayout(LayoutKind.Sequential)]
    public struct Quant
    {
        public int InputZeroPoint;
        public int OutputZeroPoint;
        public int ActMin;
        public int ActMax;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Shape
    {
        public int H;
        public int W;
        public int C;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct WindowParams
    {
        public int KernelH;
        public int KernelW;
        public int StrideH;
        public int StrideW;
        public int PadTop;
        public int PadLeft;
        public int PadBottom;
        public int PadRight;
    }

    [DllImport(LibraryName, EntryPoint = "tml_multiply_by_quantized_multiplier")]
    public static extern int MultiplyByQuantizedMultiplier(int x, int multiplier, int shift);

    [DllImport(LibraryName, EntryPoint = "tml_quantize_multiplier")]
    public static extern int QuantizeMultiplier(double real, out int multiplier, out int shift);

    [DllImport(LibraryName, EntryPoint = "tml_quantize_channel_multipliers")]
    public static extern int QuantizeChannelMultipliers(float inputScale, float[] weightScales, float outputScale, int count, [Out] int[] multipliers, [Out] int[] shifts);

    [DllImport(LibraryName, EntryPoint = "tml_activation_range")]
    public static extern void ActivationRange(int activation, float outputScale, int outputZeroPoint, out int actMin, out int actMax);

    [DllImport(LibraryName, EntryPoint = "tml_fully_connected")]
    public static extern void FullyConnected(ref Quant quant, int inputs, int units, sbyte[] input, byte[] weights, int[] bias, int[] multipliers, int[] shifts, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_conv2d")]
    public static extern void Conv2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, sbyte[] input, byte[] weights, int[] bias, int[] multipliers, int[] shifts, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_depthwise_conv2d")]
    public static extern void DepthwiseConv2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, int depthMultiplier, sbyte[] input, byte[] weights, int[] bias, int[] multipliers, int[] shifts, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_average_pool2d")]
    public static extern void AveragePool2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, sbyte[] input, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_max_pool2d")]
    public static extern void MaxPool2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, sbyte[] input, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_prepare_add")]
    public static extern int PrepareAdd(float scale1, float scale2, float outputScale, out int multiplier1, out int shift1, out int multiplier2, out int shift2, out int outputMultiplier, out int outputShift);

    [DllImport(LibraryName, EntryPoint = "tml_add_prepare_terms")]
    public static extern void AddPrepareTerms(int zeroPoint, int multiplier, int shift, [Out] int[] terms);

    [DllImport(LibraryName, EntryPoint = "tml_add")]
    public static extern void Add(ref Quant quant, int count, int cycle, sbyte[] larger, sbyte[] smaller, int[] largerTerms, int[] smallerTerms, int outputMultiplier, int outputShift, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_softmax")]
    public static extern void Softmax(int positions, int channels, int[] expTable, sbyte[] input, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_prepare_mean")]
    public static extern int PrepareMean(float inputScale, float outputScale, int count, out int multiplier, out int shift);

    [DllImport(LibraryName, EntryPoint = "tml_mean")]
    public static extern void Mean(ref Quant quant, ref Shape inputShape, int multiplier, int shift, sbyte[] input, [Out] int[] sums, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_prepare_mul")]
    public static extern int PrepareMul(float scale1, float scale2, float outputScale, out int multiplier, out int shift);

    [DllImport(LibraryName, EntryPoint = "tml_mul")]
    public static extern void Mul(ref Quant quant, int count, int cycle, sbyte[] larger, sbyte[] smaller, int largerZeroPoint, int smallerZeroPoint, int multiplier, int shift, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_prepare_requantize_table")]
    public static extern int PrepareRequantizeTable(float inputScale, int inputZeroPoint, float outputScale, int outputZeroPoint, [Out] sbyte[] table);

    /// <summary>inputs and tables are pointers to pinned arrays (a zero table: a copy).</summary>
    [DllImport(LibraryName, EntryPoint = "tml_concat")]
    public static extern void Concat(int axis, int count, Shape[] inputShapes, IntPtr[] inputs, IntPtr[] tables, ref Shape outputShape, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_pad")]
    public static extern void Pad(ref Shape inputShape, int padTop, int padBottom, int padLeft, int padRight, int zeroPoint, sbyte[] input, [Out] sbyte[] output);

    [DllImport(LibraryName, EntryPoint = "tml_lookup")]
    public static extern void Lookup(int count, sbyte[] table, sbyte[] input, [Out] sbyte[] output);

    /// <summary>The kernels of the -DTML_UNROLL build that have optimised loops (src/opt): the same signatures.</summary>
    public static class Unrolled
    {
        [DllImport(UnrolledLibraryName, EntryPoint = "tml_fully_connected")]
        public static extern void FullyConnected(ref Quant quant, int inputs, int units, sbyte[] input, byte[] weights, int[] bias, int[] multipliers, int[] shifts, [Out] sbyte[] output);

        [DllImport(UnrolledLibraryName, EntryPoint = "tml_conv2d")]
        public static extern void Conv2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, sbyte[] input, byte[] weights, int[] bias, int[] multipliers, int[] shifts, [Out] sbyte[] output);

        [DllImport(UnrolledLibraryName, EntryPoint = "tml_depthwise_conv2d")]
        public static extern void DepthwiseConv2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, int depthMultiplier, sbyte[] input, byte[] weights, int[] bias, int[] multipliers, int[] shifts, [Out] sbyte[] output);

        [DllImport(UnrolledLibraryName, EntryPoint = "tml_average_pool2d")]
        public static extern void AveragePool2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, sbyte[] input, [Out] sbyte[] output);

        [DllImport(UnrolledLibraryName, EntryPoint = "tml_max_pool2d")]
        public static extern void MaxPool2D(ref Quant quant, ref Shape inputShape, ref Shape outputShape, ref WindowParams window, sbyte[] input, [Out] sbyte[] output);

        [DllImport(UnrolledLibraryName, EntryPoint = "tml_add")]
        public static extern void Add(ref Quant quant, int count, int cycle, sbyte[] larger, sbyte[] smaller, int[] largerTerms, int[] smallerTerms, int outputMultiplier, int outputShift, [Out] sbyte[] output);

        [DllImport(UnrolledLibraryName, EntryPoint = "tml_mul")]
        public static extern void Mul(ref Quant quant, int count, int cycle, sbyte[] larger, sbyte[] smaller, int largerZeroPoint, int smallerZeroPoint, int multiplier, int shift, [Out] sbyte[] output);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == LibraryName ? Handle.Value : name == UnrolledLibraryName ? UnrolledHandle.Value : IntPtr.Zero;

    /// <summary>Compiles src and src/opt with the test flags plus the variant's defines.</summary>
    private static IntPtr Build(string name, params string[] defines)
    {
        string source = SourceDirectory() ?? throw new InvalidOperationException(Unavailable());
        string gcc = FindOnPath("gcc") ?? throw new InvalidOperationException(Unavailable());
        string dir = Path.Combine(Path.GetTempPath(), "tinymlops-native-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string library = Path.Combine(dir, "lib" + name + ".so");
            var start = new ProcessStartInfo(gcc) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string flag in Flags.Concat(defines))
            {
                start.ArgumentList.Add(flag);
            }

            start.ArgumentList.Add("-I" + Path.Combine(source, "include"));
            var sources = Directory.GetFiles(Path.Combine(source, "src"), "*.c").Concat(Directory.GetFiles(Path.Combine(source, "src", "opt"), "*.c"));
            foreach (string c in sources.Order(StringComparer.Ordinal))
            {
                start.ArgumentList.Add(c);
            }

            start.ArgumentList.Add("-o");
            start.ArgumentList.Add(library);
            using var gccProcess = Process.Start(start) ?? throw new InvalidOperationException("gcc did not start");
            var stdout = gccProcess.StandardOutput.ReadToEndAsync();
            string errors = gccProcess.StandardError.ReadToEnd();
            gccProcess.WaitForExit();
            _ = stdout.Result;
            if (gccProcess.ExitCode != 0)
            {
                throw new InvalidOperationException("gcc failed on firmware/native (" + name + "): " + string.Join(" / ", errors.Split('\n').Take(6)));
            }

            // Linux keeps a loaded library mapped after its file is deleted: nothing is left in the temp folder.
            return NativeLibrary.Load(library);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>firmware/native of the checkout the tests run from, or null.</summary>
    internal static string? SourceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string native = Path.Combine(dir.FullName, "firmware", "native");
            if (File.Exists(Path.Combine(dir.FullName, "TinyMLOps.slnf")) && Directory.Exists(native))
            {
                return native;
            }
        }

        return null;
    }

    internal static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(d => d.Length > 0).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
