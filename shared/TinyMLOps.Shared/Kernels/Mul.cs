using System;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Elementwise int8 multiplication of two tensors (squeeze-excite gating): out = zp_out + M((x1 - zp1)(x2 - zp2)),
    /// M = s1 s2 / s_out in one single-rounding requantization (QuantMath.PrepareMul). The inputs have equal shapes, or
    /// one is 1x1xC or 1x1x1 and is broadcast; the output takes the larger shape.
    /// </summary>
    public sealed class Mul : Operator
    {
        public const int Code = 9;

        private int _larger;
        private int _cycle;
        private int _multiplier;
        private int _shift;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Mul"; }
        }

        public override int MinInputs
        {
            get { return 2; }
        }

        public override int MaxInputs
        {
            get { return 2; }
        }

        public override void ReadParams(ByteReader reader)
        {
        }

        public override void WriteParams(ByteWriter writer)
        {
        }

        public override void Prepare()
        {
            base.Prepare();
            PrepareBroadcast(out _larger, out _cycle);
            try
            {
                QuantMath.PrepareMul(Inputs[0].Scale, Inputs[1].Scale, OutScale, out _multiplier, out _shift);
            }
            catch (ArgumentException)
            {
                Fail("requantization multiplier out of range");
            }
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            call[KernelCall.Input] = InputOffsets[_larger];
            call[KernelCall.Aux] = InputOffsets[1 - _larger];
            call[KernelCall.InZeroPoint] = Inputs[_larger].ZeroPoint;
            call[KernelCall.AuxZeroPoint] = Inputs[1 - _larger].ZeroPoint;
            call[KernelCall.Cycle] = _cycle;
            call[KernelCall.Multiplier] = _multiplier;
            call[KernelCall.Shift] = _shift;
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Mul(Call, arena);
        }

        public override void Eval(sbyte[] arena)
        {
            // The smaller input is walked with a running index that starts over every _cycle elements.
            int multiplier = _multiplier;
            int shift = _shift;
            int bigZp = Inputs[_larger].ZeroPoint;
            int smallZp = Inputs[1 - _larger].ZeroPoint;
            int outZp = OutZeroPoint;
            int actMin = ActMin;
            int actMax = ActMax;
            int x = InputOffsets[_larger];
            int smallStart = InputOffsets[1 - _larger];
            int smallEnd = smallStart + _cycle;
            int j = smallStart;
            int o = OutputOffset;
            int end = o + OutputElements;
            while (o < end)
            {
                int q = QuantMath.MultiplyByQuantizedMultiplier((arena[x] - bigZp) * (arena[j] - smallZp), multiplier, shift) + outZp;
                arena[o] = (sbyte)(q < actMin ? actMin : (q > actMax ? actMax : q));
                o++;
                x++;
                j++;
                if (j == smallEnd)
                {
                    j = smallStart;
                }
            }
        }
    }
}
