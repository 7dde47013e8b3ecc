using System.Runtime.InteropServices;
using TinyMLOps.Shared.Kernels;
using static TinyMLOps.Shared.Kernels.KernelCall;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// The C library of firmware/native as an <see cref="IKernelBackend"/> through P/Invoke: what the firmware's interop
/// glue does on a board (descriptor slots to C arguments, arena offsets to pointers), done here so whole models run
/// on the C kernels. Element references pin the arrays for the call.
/// </summary>
internal sealed class NativeKernelBackend : IKernelBackend
{
    public NativeKernelBackend() => NativeKernels.EnsureLoaded();

    public string Name => "native";

    /// <summary>Kernel calls taken, per operator name (a test checks the interpreter really used the C code).</summary>
    public Dictionary<string, int> Calls { get; } = [];

    public bool FullyConnected(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
    {
        Tally("FullyConnected");
        var quant = Quant(call);
        Native.FullyConnected(ref quant, call[InC], call[OutC], ref arena[call[Input]], ref weights[call[Aux]], bias, multipliers, shifts, ref arena[call[Output]]);
        return true;
    }

    public bool Conv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
    {
        Tally("Conv2D");
        var (quant, input, output, window) = (Quant(call), InShape(call), OutShape(call), Window(call));
        Native.Conv2D(ref quant, ref input, ref output, ref window, ref arena[call[Input]], ref weights[call[Aux]], bias, multipliers, shifts, ref arena[call[Output]]);
        return true;
    }

    public bool DepthwiseConv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
    {
        Tally("DepthwiseConv2D");
        var (quant, input, output, window) = (Quant(call), InShape(call), OutShape(call), Window(call));
        Native.DepthwiseConv2D(ref quant, ref input, ref output, ref window, call[DepthMultiplier], ref arena[call[Input]], ref weights[call[Aux]], bias, multipliers, shifts, ref arena[call[Output]]);
        return true;
    }

    public bool AveragePool2D(int[] call, sbyte[] arena)
    {
        Tally("AveragePool2D");
        var (quant, input, output, window) = (Quant(call), InShape(call), OutShape(call), Window(call));
        Native.AveragePool2D(ref quant, ref input, ref output, ref window, ref arena[call[Input]], ref arena[call[Output]]);
        return true;
    }

    public bool MaxPool2D(int[] call, sbyte[] arena)
    {
        Tally("MaxPool2D");
        var (quant, input, output, window) = (Quant(call), InShape(call), OutShape(call), Window(call));
        Native.MaxPool2D(ref quant, ref input, ref output, ref window, ref arena[call[Input]], ref arena[call[Output]]);
        return true;
    }

    public bool Add(int[] call, sbyte[] arena, int[] terms)
    {
        Tally("Add");
        var quant = Quant(call);
        Native.Add(ref quant, call[Count], call[Cycle], ref arena[call[Input]], ref arena[call[Aux]], ref terms[0], ref terms[256], call[Multiplier], call[Shift], ref arena[call[Output]]);
        return true;
    }

    public bool Mul(int[] call, sbyte[] arena)
    {
        Tally("Mul");
        var quant = Quant(call);
        Native.Mul(ref quant, call[Count], call[Cycle], ref arena[call[Input]], ref arena[call[Aux]], call[InZeroPoint], call[AuxZeroPoint], call[Multiplier], call[Shift], ref arena[call[Output]]);
        return true;
    }

    public bool Softmax(int[] call, sbyte[] arena, int[] expTable)
    {
        Tally("Softmax");
        Native.Softmax(call[OutH] * call[OutW], call[OutC], expTable, ref arena[call[Input]], ref arena[call[Output]]);
        return true;
    }

    public bool Mean(int[] call, sbyte[] arena, int[] sums)
    {
        Tally("Mean");
        var (quant, input) = (Quant(call), InShape(call));
        Native.Mean(ref quant, ref input, call[Multiplier], call[Shift], ref arena[call[Input]], sums, ref arena[call[Output]]);
        return true;
    }

    public bool Concat(int[] call, sbyte[] arena, sbyte[] tables)
    {
        Tally("Concat");
        int count = call[InputCount];
        var shapes = new NativeKernels.Shape[count];
        var inputs = new IntPtr[count];
        var tablePointers = new IntPtr[count];
        GCHandle arenaHandle = GCHandle.Alloc(arena, GCHandleType.Pinned);
        GCHandle tableHandle = GCHandle.Alloc(tables, GCHandleType.Pinned);
        try
        {
            for (int k = 0; k < count; k++)
            {
                int slot = Length + (k * PerInput);
                shapes[k] = new NativeKernels.Shape { H = call[slot], W = call[slot + 1], C = call[slot + 2] };
                inputs[k] = arenaHandle.AddrOfPinnedObject() + call[slot + 3];
                tablePointers[k] = call[slot + 4] < 0 ? IntPtr.Zero : tableHandle.AddrOfPinnedObject() + (call[slot + 4] * 256);
            }

            var output = OutShape(call);
            Native.Concat(call[Axis], count, shapes, inputs, tablePointers, ref output, ref arena[call[Output]]);
        }
        finally
        {
            arenaHandle.Free();
            tableHandle.Free();
        }

        return true;
    }

    public bool Pad(int[] call, sbyte[] arena)
    {
        Tally("Pad");
        var input = InShape(call);
        Native.Pad(ref input, call[PadTop], call[PadBottom], call[PadLeft], call[PadRight], call[InZeroPoint], ref arena[call[Input]], ref arena[call[Output]]);
        return true;
    }

    public bool Lookup(int[] call, sbyte[] arena, byte[] table)
    {
        Tally("Lookup");
        Native.Lookup(call[Count], ref table[call[Aux]], ref arena[call[Input]], ref arena[call[Output]]);
        return true;
    }

    private static NativeKernels.Quant Quant(int[] call) => new()
    {
        InputZeroPoint = call[InZeroPoint],
        OutputZeroPoint = call[OutZeroPoint],
        ActMin = call[ActMin],
        ActMax = call[ActMax],
    };

    private static NativeKernels.Shape InShape(int[] call) => new() { H = call[InH], W = call[InW], C = call[InC] };

    private static NativeKernels.Shape OutShape(int[] call) => new() { H = call[OutH], W = call[OutW], C = call[OutC] };

    private static NativeKernels.WindowParams Window(int[] call) => new()
    {
        KernelH = call[KernelH],
        KernelW = call[KernelW],
        StrideH = call[StrideH],
        StrideW = call[StrideW],
        PadTop = call[PadTop],
        PadLeft = call[PadLeft],
        PadBottom = call[PadBottom],
        PadRight = call[PadRight],
    };

    private void Tally(string kernel) => Calls[kernel] = Calls.GetValueOrDefault(kernel) + 1;

    /// <summary>The library's entry points with element references, so an arena offset becomes a pointer.</summary>
    private static class Native
    {
        private const string Lib = NativeKernels.LibraryName;

        [DllImport(Lib, EntryPoint = "tml_fully_connected")]
        public static extern void FullyConnected(ref NativeKernels.Quant quant, int inputs, int units, ref sbyte input, ref byte weights, int[] bias, int[] multipliers, int[] shifts, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_conv2d")]
        public static extern void Conv2D(ref NativeKernels.Quant quant, ref NativeKernels.Shape inputShape, ref NativeKernels.Shape outputShape, ref NativeKernels.WindowParams window, ref sbyte input, ref byte weights, int[] bias, int[] multipliers, int[] shifts, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_depthwise_conv2d")]
        public static extern void DepthwiseConv2D(ref NativeKernels.Quant quant, ref NativeKernels.Shape inputShape, ref NativeKernels.Shape outputShape, ref NativeKernels.WindowParams window, int depthMultiplier, ref sbyte input, ref byte weights, int[] bias, int[] multipliers, int[] shifts, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_average_pool2d")]
        public static extern void AveragePool2D(ref NativeKernels.Quant quant, ref NativeKernels.Shape inputShape, ref NativeKernels.Shape outputShape, ref NativeKernels.WindowParams window, ref sbyte input, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_max_pool2d")]
        public static extern void MaxPool2D(ref NativeKernels.Quant quant, ref NativeKernels.Shape inputShape, ref NativeKernels.Shape outputShape, ref NativeKernels.WindowParams window, ref sbyte input, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_add")]
        public static extern void Add(ref NativeKernels.Quant quant, int count, int cycle, ref sbyte larger, ref sbyte smaller, ref int largerTerms, ref int smallerTerms, int outputMultiplier, int outputShift, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_softmax")]
        public static extern void Softmax(int positions, int channels, int[] expTable, ref sbyte input, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_mean")]
        public static extern void Mean(ref NativeKernels.Quant quant, ref NativeKernels.Shape inputShape, int multiplier, int shift, ref sbyte input, int[] sums, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_mul")]
        public static extern void Mul(ref NativeKernels.Quant quant, int count, int cycle, ref sbyte larger, ref sbyte smaller, int largerZeroPoint, int smallerZeroPoint, int multiplier, int shift, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_concat")]
        public static extern void Concat(int axis, int count, NativeKernels.Shape[] inputShapes, IntPtr[] inputs, IntPtr[] tables, ref NativeKernels.Shape outputShape, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_pad")]
        public static extern void Pad(ref NativeKernels.Shape inputShape, int padTop, int padBottom, int padLeft, int padRight, int zeroPoint, ref sbyte input, ref sbyte output);

        [DllImport(Lib, EntryPoint = "tml_lookup")]
        public static extern void Lookup(int count, ref byte table, ref sbyte input, ref sbyte output);
    }
}
