namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Another implementation of the int8 kernels: the firmware's native (C) library, or the host's SIMD path. Each
    /// method runs one operator on the interpreter's arena with the operator's load-time constants and its call
    /// descriptor (<see cref="KernelCall"/>), and returns false when it does not handle the case, so the operator's
    /// own C# kernel (the reference) runs instead. Every implementation must give the reference's bytes.
    /// </summary>
    public interface IKernelBackend
    {
        /// <summary>What the device reports in hello: "native", "simd", ...</summary>
        string Name { get; }

        bool FullyConnected(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts);

        bool Conv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts);

        bool DepthwiseConv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts);

        bool AveragePool2D(int[] call, sbyte[] arena);

        bool MaxPool2D(int[] call, sbyte[] arena);

        /// <summary>terms: the larger input's 256 Add terms, then the smaller input's (index x + 128).</summary>
        bool Add(int[] call, sbyte[] arena, int[] terms);

        bool Mul(int[] call, sbyte[] arena);

        bool Softmax(int[] call, sbyte[] arena, int[] expTable);

        /// <summary>sums: scratch of one int per channel.</summary>
        bool Mean(int[] call, sbyte[] arena, int[] sums);

        /// <summary>tables: 256 bytes per input that needs requantizing, in the order the call names them.</summary>
        bool Concat(int[] call, sbyte[] arena, sbyte[] tables);

        bool Pad(int[] call, sbyte[] arena);

        bool Lookup(int[] call, sbyte[] arena, byte[] table);
    }
}
