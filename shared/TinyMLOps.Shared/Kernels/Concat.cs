using System;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Concatenation of 2..64 tensors along one axis (0 = H, 1 = W, 2 = C; C is PyTorch's torch.cat(dim=1) on NCHW);
    /// every other dimension must be equal. In HWC order each input is a run of blocks (its extent along the axis
    /// times the dimensions after it), one per index of the dimensions before the axis, and the output interleaves
    /// them. An input quantized like the output is copied; any other goes through a 256-entry requantization table
    /// built at load (QuantMath.FillRequantizeTable: one exact integer rounding).
    /// </summary>
    public sealed class Concat : Operator
    {
        public const int Code = 10;

        public int Axis;

        // Per input: its block length, where its first block starts in the output, and its table (null: a copy).
        private int[] _blocks;
        private int[] _starts;
        private sbyte[][] _tables;
        private int _outerCount;
        private int _outerStride;
        private int _tableCount;

        // The requantization tables one after another for a backend call, built with the descriptor.
        private sbyte[] _flatTables;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Concat"; }
        }

        public override int MinInputs
        {
            get { return 2; }
        }

        public override int MaxInputs
        {
            get { return 64; }
        }

        public override int ScratchBytes
        {
            get { return _tableCount * 256; }
        }

        public override void ReadParams(ByteReader reader)
        {
            Axis = reader.ReadU8("axis");
        }

        public override void WriteParams(ByteWriter writer)
        {
            writer.WriteU8(Axis);
        }

        public override void Prepare()
        {
            base.Prepare();
            RequireNoActivation();
            if (Axis < 0 || Axis > 2)
            {
                Fail("axis " + Axis + " is not 0 (H), 1 (W) or 2 (C)");
            }

            int count = Inputs.Length;
            TensorSpec first = Inputs[0];
            long extent = 0;
            for (int k = 0; k < count; k++)
            {
                TensorSpec t = Inputs[k];
                if ((Axis != 0 && t.H != first.H) || (Axis != 1 && t.W != first.W) || (Axis != 2 && t.C != first.C))
                {
                    Fail("input " + k + " is " + t.H + "x" + t.W + "x" + t.C + ", input 0 is " + first.H + "x" + first.W + "x" + first.C + ": only axis " + Axis + " may differ");
                }

                extent += Axis == 0 ? t.H : (Axis == 1 ? t.W : t.C);
            }

            if (extent > MaxDimension)
            {
                Fail("concatenated extent " + extent + " exceeds " + MaxDimension);
            }

            int e = (int)extent;
            RequireOutputShape(Axis == 0 ? e : first.H, Axis == 1 ? e : first.W, Axis == 2 ? e : first.C);

            // Elements per index of the axis, and how many blocks (indices before the axis) each input is cut into.
            int inner = Axis == 0 ? first.W * first.C : (Axis == 1 ? first.C : 1);
            _outerCount = Axis == 0 ? 1 : (Axis == 1 ? first.H : first.H * first.W);
            _outerStride = e * inner;
            _blocks = new int[count];
            _starts = new int[count];
            _tables = new sbyte[count][];
            _tableCount = 0;
            int start = 0;
            for (int k = 0; k < count; k++)
            {
                TensorSpec t = Inputs[k];
                _blocks[k] = (Axis == 0 ? t.H : (Axis == 1 ? t.W : t.C)) * inner;
                _starts[k] = start;
                start += _blocks[k];
                if (t.Scale != OutScale || t.ZeroPoint != OutZeroPoint)
                {
                    _tables[k] = new sbyte[256];
                    _tableCount++;
                    try
                    {
                        QuantMath.FillRequantizeTable(_tables[k], t.Scale, t.ZeroPoint, OutScale, OutZeroPoint);
                    }
                    catch (ArgumentException)
                    {
                        Fail("requantization multiplier of input " + k + " out of range");
                    }
                }
            }
        }

        protected override int[] BuildCall()
        {
            int count = _blocks.Length;
            int[] call = NewCall(count * KernelCall.PerInput);
            call[KernelCall.Axis] = Axis;
            call[KernelCall.InputCount] = count;
            _flatTables = new sbyte[_tableCount * 256];
            int table = 0;
            for (int k = 0; k < count; k++)
            {
                TensorSpec t = Inputs[k];
                int slot = KernelCall.Length + (k * KernelCall.PerInput);
                call[slot] = t.H;
                call[slot + 1] = t.W;
                call[slot + 2] = t.C;
                call[slot + 3] = InputOffsets[k];
                call[slot + 4] = -1;
                if (_tables[k] != null)
                {
                    Array.Copy(_tables[k], 0, _flatTables, table * 256, 256);
                    call[slot + 4] = table;
                    table++;
                }
            }

            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Concat(Call, arena, _flatTables);
        }

        public override void Eval(sbyte[] arena)
        {
            int count = _blocks.Length;
            int outer = _outerCount;
            int stride = _outerStride;
            for (int k = 0; k < count; k++)
            {
                int block = _blocks[k];
                int src = InputOffsets[k];
                int dst = OutputOffset + _starts[k];
                sbyte[] table = _tables[k];
                if (table == null)
                {
                    for (int n = 0; n < outer; n++)
                    {
                        Array.Copy(arena, src, arena, dst, block);
                        src += block;
                        dst += stride;
                    }
                }
                else
                {
                    for (int n = 0; n < outer; n++)
                    {
                        int end = src + block;
                        int d = dst;
                        while (src < end)
                        {
                            arena[d] = table[arena[src] + 128];
                            src++;
                            d++;
                        }

                        dst += stride;
                    }
                }
            }
        }
    }
}
