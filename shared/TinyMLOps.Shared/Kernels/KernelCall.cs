namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// The call descriptor an operator hands a kernel backend: every scalar the kernel needs, in one int array built
    /// once after memory planning, so a native call marshals one array instead of twenty arguments. The slot numbers
    /// are a contract with firmware/native/nanoframework (docs/firmware.md, "Kernel call descriptor"); append only.
    /// </summary>
    public static class KernelCall
    {
        /// <summary>Descriptor layout version; the native glue refuses other versions.</summary>
        public const int Version = 1;

        public const int InZeroPoint = 0;
        public const int OutZeroPoint = 1;
        public const int ActMin = 2;
        public const int ActMax = 3;
        public const int InH = 4;
        public const int InW = 5;
        public const int InC = 6;
        public const int OutH = 7;
        public const int OutW = 8;
        public const int OutC = 9;

        /// <summary>Arena offset of the first input (the larger one of a broadcast).</summary>
        public const int Input = 10;

        /// <summary>Arena offset of the output.</summary>
        public const int Output = 11;

        /// <summary>Offset of the weights (or table) in their buffer, or the arena offset of the second (smaller) input.</summary>
        public const int Aux = 12;

        public const int KernelH = 13;
        public const int KernelW = 14;
        public const int StrideH = 15;
        public const int StrideW = 16;
        public const int PadTop = 17;
        public const int PadLeft = 18;
        public const int PadBottom = 19;
        public const int PadRight = 20;

        /// <summary>Elements of an elementwise op.</summary>
        public const int Count = 21;

        /// <summary>Elements of the smaller input of a broadcast before it starts over.</summary>
        public const int Cycle = 22;

        public const int Multiplier = 23;
        public const int Shift = 24;

        /// <summary>The second (smaller) input's zero point; the first's is <see cref="InZeroPoint"/>.</summary>
        public const int AuxZeroPoint = 25;

        public const int DepthMultiplier = 26;
        public const int Axis = 27;
        public const int InputCount = 28;

        /// <summary>Slots of the fixed part; Concat appends <see cref="PerInput"/> slots per input.</summary>
        public const int Length = 29;

        /// <summary>Concat's per-input slots: H, W, C, arena offset, table index (-1: a plain copy).</summary>
        public const int PerInput = 5;

        /// <summary>A descriptor with the common slots filled from the operator: quantization, shapes, offsets.</summary>
        public static int[] Create(Operator op, int extra, int actMin, int actMax)
        {
            int[] call = new int[Length + extra];
            call[InZeroPoint] = op.InZeroPoint;
            call[OutZeroPoint] = op.OutZeroPoint;
            call[ActMin] = actMin;
            call[ActMax] = actMax;
            call[InH] = op.InH;
            call[InW] = op.InW;
            call[InC] = op.InC;
            call[OutH] = op.OutH;
            call[OutW] = op.OutW;
            call[OutC] = op.OutC;
            call[Input] = op.InputOffset;
            call[Output] = op.OutputOffset;
            call[Count] = op.OutputElements;
            return call;
        }

        /// <summary>Copies a sliding window into its slots.</summary>
        public static void SetWindow(int[] call, Window window)
        {
            call[KernelH] = window.KernelH;
            call[KernelW] = window.KernelW;
            call[StrideH] = window.StrideH;
            call[StrideW] = window.StrideW;
            call[PadTop] = window.PadTop;
            call[PadLeft] = window.PadLeft;
            call[PadBottom] = window.PadBottom;
            call[PadRight] = window.PadRight;
        }
    }
}
