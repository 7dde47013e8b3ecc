using System;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// One node of an int8 model graph: its op data (read from and written to the model format), a Prepare step
    /// that derives everything the kernel needs once at load, and the reference Eval. It reads one or more
    /// tensors (<see cref="InputIds"/>; the first one's shape and quantization are also In*) and writes one, its
    /// output (Out*). Tensors are int8, batch 1, in HWC order; a rank-1 tensor is (1, 1, C).
    /// </summary>
    public abstract class Operator
    {
        /// <summary>Upper bound for any one dimension; keeps a hostile file from asking for gigabytes.</summary>
        public const int MaxDimension = 4096;

        /// <summary>Upper bound for the elements of any one tensor (16 MiB of int8).</summary>
        public const int MaxTensorElements = 1 << 24;

        public int InH;
        public int InW;
        public int InC;
        public float InScale;
        public int InZeroPoint;

        public int OutH;
        public int OutW;
        public int OutC;
        public float OutScale;
        public int OutZeroPoint;
        public int FusedActivation;

        /// <summary>
        /// The tensors this operator reads: 0 is the model input, k the output of operator k - 1, each lower than this
        /// operator's own output id. Null means the previous operator's output (or the model input), as in a chain.
        /// </summary>
        public int[] InputIds;

        /// <summary>The input tensors' shapes and quantization, set when the model links the operator.</summary>
        public TensorSpec[] Inputs;

        /// <summary>The node's name in the source graph (ONNX), for messages and inspection; may be empty.</summary>
        public string NodeName;

        /// <summary>Arena offsets assigned by the memory planner: the first input, every input, the output.</summary>
        public int InputOffset;
        public int[] InputOffsets;
        public int OutputOffset;

        /// <summary>When set, kernels with an int32 accumulator copy it here (tests compare it with ONNX Runtime).</summary>
        public int[] AccumulatorProbe;

        protected int ActMin;
        protected int ActMax;

        /// <summary>The descriptor a kernel backend receives, built by <see cref="Describe"/> after memory planning.</summary>
        protected int[] Call;

        public abstract int OpCode { get; }

        public abstract string Name { get; }

        /// <summary>The fewest input tensors the operator takes.</summary>
        public virtual int MinInputs
        {
            get { return 1; }
        }

        /// <summary>The most input tensors the operator takes.</summary>
        public virtual int MaxInputs
        {
            get { return 1; }
        }

        /// <summary>How many inputs this operator reads: its <see cref="InputIds"/>, or one in a chain.</summary>
        public int InputCount
        {
            get { return InputIds == null ? 1 : InputIds.Length; }
        }

        public int InputElements
        {
            get { return InH * InW * InC; }
        }

        public int OutputElements
        {
            get { return OutH * OutW * OutC; }
        }

        /// <summary>True when the output shares the input's bytes (reshape): no copy, no arena of its own.</summary>
        public virtual bool IsInPlace
        {
            get { return false; }
        }

        /// <summary>Multiply-accumulates per inference.</summary>
        public virtual long Macs
        {
            get { return 0; }
        }

        /// <summary>Bytes of weights and biases this layer stores in the model.</summary>
        public virtual int ParameterBytes
        {
            get { return 0; }
        }

        /// <summary>Accumulators per inference (the size a probe needs), 0 for layers without one.</summary>
        public virtual int AccumulatorCount
        {
            get { return 0; }
        }

        /// <summary>Bytes of load-time scratch (tables) outside the arena.</summary>
        public virtual int ScratchBytes
        {
            get { return 0; }
        }

        /// <summary>Reads the op-specific fields that follow the common header.</summary>
        public abstract void ReadParams(ByteReader reader);

        /// <summary>Writes the op-specific fields that follow the common header.</summary>
        public abstract void WriteParams(ByteWriter writer);

        /// <summary>Checks shapes and parameters against the input and derives the kernel's constants.</summary>
        public virtual void Prepare()
        {
            QuantMath.ActivationRange(FusedActivation, OutScale, OutZeroPoint, out ActMin, out ActMax);
        }

        public abstract void Eval(sbyte[] arena);

        /// <summary>Builds the backend call descriptor; the arena offsets must be planned already.</summary>
        public void Describe()
        {
            Call = BuildCall();
        }

        /// <summary>
        /// Runs the operator on a kernel backend; false when the backend does not take it (or an accumulator probe is
        /// attached, which only the C# kernels fill), and the caller runs <see cref="Eval"/>.
        /// </summary>
        public bool Offload(IKernelBackend backend, sbyte[] arena)
        {
            return Call != null && AccumulatorProbe == null && RunOn(backend, arena);
        }

        /// <summary>The operator's descriptor, or null when no backend kernel exists for it (Reshape).</summary>
        protected virtual int[] BuildCall()
        {
            return null;
        }

        /// <summary>A descriptor with the common slots filled in, and extra slots after the fixed part.</summary>
        protected int[] NewCall(int extra)
        {
            return KernelCall.Create(this, extra, ActMin, ActMax);
        }

        /// <summary>Calls the backend's kernel for this operator.</summary>
        protected virtual bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return false;
        }

        protected void Fail(string message)
        {
            throw new ModelFormatException(Name + ": " + message);
        }

        protected void RequireOutputShape(int h, int w, int c)
        {
            if (OutH != h || OutW != w || OutC != c)
            {
                Fail("output shape " + OutH + "x" + OutW + "x" + OutC + " should be " + h + "x" + w + "x" + c);
            }
        }

        protected void RequireSameQuantization()
        {
            if (OutScale != InScale || OutZeroPoint != InZeroPoint)
            {
                Fail("output quantization must equal the input's");
            }
        }

        /// <summary>
        /// Checks the two inputs of an elementwise binary op: equal shapes, or one of them 1x1xC against HxWxC (per
        /// channel) or 1x1x1 (a scalar). Gives the larger input (whose shape the output takes) and how many elements of
        /// the other one the kernel walks before it starts over (its whole size, C, or 1).
        /// </summary>
        protected void PrepareBroadcast(out int larger, out int cycle)
        {
            TensorSpec a = Inputs[0];
            TensorSpec b = Inputs[1];
            larger = 0;
            cycle = a.Elements;
            if (a.H == b.H && a.W == b.W && a.C == b.C)
            {
                cycle = a.Elements;
            }
            else if (b.Elements == 1 || (b.H == 1 && b.W == 1 && b.C == a.C))
            {
                cycle = b.Elements;
            }
            else if (a.Elements == 1 || (a.H == 1 && a.W == 1 && a.C == b.C))
            {
                larger = 1;
                cycle = a.Elements;
            }
            else
            {
                Fail("input shapes " + a.H + "x" + a.W + "x" + a.C + " and " + b.H + "x" + b.W + "x" + b.C + " do not broadcast (equal, 1x1xC or 1x1x1)");
            }

            TensorSpec big = Inputs[larger];
            RequireOutputShape(big.H, big.W, big.C);
        }

        /// <summary>Refuses a fused activation, for ops whose output range is fixed by their data (copies, tables).</summary>
        protected void RequireNoActivation()
        {
            if (FusedActivation != 0)
            {
                Fail("cannot fuse an activation");
            }
        }

        /// <summary>Per-channel requantization constants: (input scale * weight scale[c]) / output scale.</summary>
        protected void PrepareChannelMultipliers(float[] weightScales, int[] multipliers, int[] shifts)
        {
            for (int c = 0; c < weightScales.Length; c++)
            {
                try
                {
                    QuantMath.QuantizeChannelMultiplier(InScale, weightScales[c], OutScale, out multipliers[c], out shifts[c]);
                }
                catch (ArgumentException)
                {
                    Fail("requantization multiplier of channel " + c + " out of range");
                }
            }
        }

        /// <summary>Reads count per-channel scales, each finite and positive.</summary>
        protected float[] ReadScales(ByteReader reader, int count, string what)
        {
            reader.Require(count * 4, what);
            float[] scales = new float[count];
            for (int i = 0; i < count; i++)
            {
                float s = reader.ReadF32(what);
                if (!(s > 0f) || float.IsInfinity(s))
                {
                    Fail(what + "[" + i + "] must be finite and positive");
                }

                scales[i] = s;
            }

            return scales;
        }

        protected static int[] ReadInt32s(ByteReader reader, int count, string what)
        {
            reader.Require(count * 4, what);
            int[] values = new int[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = reader.ReadI32(what);
            }

            return values;
        }

        protected static void WriteScales(ByteWriter writer, float[] scales)
        {
            for (int i = 0; i < scales.Length; i++)
            {
                writer.WriteF32(scales[i]);
            }
        }

        protected static void WriteInt32s(ByteWriter writer, int[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                writer.WriteI32(values[i]);
            }
        }

        /// <summary>Claims count weight bytes in place; the count is checked in 64 bits before any arithmetic can wrap.</summary>
        protected int SkipWeights(ByteReader reader, long count)
        {
            if (count > reader.Remaining)
            {
                Fail("weights need " + count + " bytes, " + reader.Remaining + " left");
            }

            return reader.Skip((int)count, "weights");
        }
    }
}
