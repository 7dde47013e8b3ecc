using System;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.NativeKernels
{
    /// <summary>
    /// The int8 kernels of the firmware's C library (firmware/native) behind the interpreter's kernel backend seam.
    /// Only firmware built with this interop assembly has them: <see cref="TryCreate"/> finds out once, at boot.
    /// </summary>
    public sealed class NativeKernelBackend : IKernelBackend
    {
        /// <summary>Inputs of a Concat the native glue takes (it gathers their pointers on the C stack).</summary>
        public const int MaxConcatInputs = 16;

        private NativeKernelBackend()
        {
        }

        public string Name
        {
            get { return "native"; }
        }

        /// <summary>
        /// The backend when the firmware carries this assembly's native code for the runtime's descriptor version;
        /// null otherwise (stock firmware throws on the first native call; older glue reports another version).
        /// </summary>
        public static NativeKernelBackend TryCreate()
        {
            int version;
            try
            {
                version = NativeMethods.Version();
            }
            catch (Exception)
            {
                return null;
            }

            return version == KernelCall.Version ? new NativeKernelBackend() : null;
        }

        /// <summary>
        /// Chooses the kernels every interpreter of this boot runs (<see cref="KernelBackends.Default"/>) and the
        /// front-ends every model loaded after it gets (<see cref="FrontEndBackends.Default"/>): the native ones when
        /// the firmware has them, else the C# code. One version check decides both. Returns the name hello reports.
        /// </summary>
        public static string Install()
        {
            NativeKernelBackend kernels = TryCreate();
            KernelBackends.Default = kernels;
            FrontEndBackends.Default = kernels == null ? null : new NativeFrontEndBackend();
            return KernelBackends.NameOf(KernelBackends.Default);
        }

        public bool FullyConnected(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
        {
            NativeMethods.FullyConnected(call, arena, weights, bias, multipliers, shifts);
            return true;
        }

        public bool Conv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
        {
            NativeMethods.Conv2D(call, arena, weights, bias, multipliers, shifts);
            return true;
        }

        public bool DepthwiseConv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts)
        {
            NativeMethods.DepthwiseConv2D(call, arena, weights, bias, multipliers, shifts);
            return true;
        }

        public bool AveragePool2D(int[] call, sbyte[] arena)
        {
            NativeMethods.AveragePool2D(call, arena);
            return true;
        }

        public bool MaxPool2D(int[] call, sbyte[] arena)
        {
            NativeMethods.MaxPool2D(call, arena);
            return true;
        }

        public bool Add(int[] call, sbyte[] arena, int[] terms)
        {
            NativeMethods.Add(call, arena, terms);
            return true;
        }

        public bool Mul(int[] call, sbyte[] arena)
        {
            NativeMethods.Mul(call, arena);
            return true;
        }

        public bool Softmax(int[] call, sbyte[] arena, int[] expTable)
        {
            NativeMethods.Softmax(call, arena, expTable);
            return true;
        }

        public bool Mean(int[] call, sbyte[] arena, int[] sums)
        {
            NativeMethods.Mean(call, arena, sums);
            return true;
        }

        public bool Concat(int[] call, sbyte[] arena, sbyte[] tables)
        {
            // More inputs than the glue gathers: the C# kernel runs.
            if (call[KernelCall.InputCount] > MaxConcatInputs)
            {
                return false;
            }

            NativeMethods.Concat(call, arena, tables);
            return true;
        }

        public bool Pad(int[] call, sbyte[] arena)
        {
            NativeMethods.Pad(call, arena);
            return true;
        }

        public bool Lookup(int[] call, sbyte[] arena, byte[] table)
        {
            NativeMethods.Lookup(call, arena, table);
            return true;
        }
    }
}
