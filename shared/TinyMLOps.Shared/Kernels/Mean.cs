using System;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Mean over H and W (GlobalAveragePool, ReduceMean over the spatial axes): HxWxC → 1x1xC. Per channel the exact
    /// integer sum Σ (x - zp_in) over n = H·W positions is requantized once, out = zp_out + M·sum with
    /// M = s_in / (n s_out) (QuantMath.PrepareMean), rounded once in 64 bits, ties toward +infinity.
    /// </summary>
    public sealed class Mean : Operator
    {
        /// <summary>At most 2^23 positions: |Σ (x - zp)| ≤ 255 · 2^23 stays inside an int.</summary>
        public const int MaxPositions = 1 << 23;

        public const int Code = 13;

        private int[] _sums;
        private int _multiplier;
        private int _shift;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Mean"; }
        }

        public override int ScratchBytes
        {
            get { return InC * 4; }
        }

        public override int AccumulatorCount
        {
            get { return OutC; }
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
            RequireOutputShape(1, 1, InC);
            int n = InH * InW;
            if (n > MaxPositions)
            {
                Fail("more than " + MaxPositions + " positions");
            }

            try
            {
                QuantMath.PrepareMean(InScale, OutScale, n, out _multiplier, out _shift);
            }
            catch (ArgumentException)
            {
                Fail("requantization multiplier out of range");
            }

            _sums = new int[InC];
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            call[KernelCall.Multiplier] = _multiplier;
            call[KernelCall.Shift] = _shift;
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Mean(Call, arena, _sums);
        }

        public override void Eval(sbyte[] arena)
        {
            int[] sums = _sums;
            int c = InC;
            int positions = InH * InW;
            for (int ch = 0; ch < c; ch++)
            {
                sums[ch] = 0;
            }

            int x = InputOffset;
            for (int p = 0; p < positions; p++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    sums[ch] += arena[x++];
                }
            }

            // The zero point comes out once per channel: Σ (x - zp) = Σ x - n zp, exact in an int.
            int bias = positions * InZeroPoint;
            int multiplier = _multiplier;
            int shift = _shift;
            int outZp = OutZeroPoint;
            int actMin = ActMin;
            int actMax = ActMax;
            int[] probe = AccumulatorProbe;
            int o = OutputOffset;
            for (int ch = 0; ch < c; ch++)
            {
                int acc = sums[ch] - bias;
                if (probe != null)
                {
                    probe[ch] = acc;
                }

                int q = QuantMath.MultiplyByQuantizedMultiplier(acc, multiplier, shift) + outZp;
                arena[o + ch] = (sbyte)(q < actMin ? actMin : (q > actMax ? actMax : q));
            }
        }
    }
}
