using System;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Elementwise int8 addition of two tensors (residual connections), TFLite's integer scheme: each centred input is
    /// shifted left by 20 and scaled by s_i / (2 max(s1, s2)), the two terms are added and the sum scaled to the output
    /// (QuantMath.PrepareAdd). The inputs have equal shapes, or one is 1x1xC or 1x1x1 and is broadcast; the output
    /// takes the larger shape. Each input's term depends only on its int8 value, so it comes from a 256-entry table
    /// built at load: Eval does two lookups, one requantization and the activation clamp per element.
    /// </summary>
    public sealed class Add : Operator
    {
        public const int Code = 8;

        private int _larger;
        private int _cycle;
        private int[] _largerTerms;
        private int[] _smallerTerms;
        private int _outputMultiplier;
        private int _outputShift;

        // Both term tables in one array for a backend call, built with the descriptor.
        private int[] _terms;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Add"; }
        }

        public override int MinInputs
        {
            get { return 2; }
        }

        public override int MaxInputs
        {
            get { return 2; }
        }

        /// <summary>The two 256-entry term tables.</summary>
        public override int ScratchBytes
        {
            get { return 2 * 256 * 4; }
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
            int m1;
            int s1;
            int m2;
            int s2;
            try
            {
                QuantMath.PrepareAdd(Inputs[0].Scale, Inputs[1].Scale, OutScale, out m1, out s1, out m2, out s2, out _outputMultiplier, out _outputShift);
            }
            catch (ArgumentException)
            {
                Fail("output multiplier out of range");
                return;
            }

            int[] terms1 = Terms(Inputs[0].ZeroPoint, m1, s1);
            int[] terms2 = Terms(Inputs[1].ZeroPoint, m2, s2);
            _largerTerms = _larger == 0 ? terms1 : terms2;
            _smallerTerms = _larger == 0 ? terms2 : terms1;
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            call[KernelCall.Input] = InputOffsets[_larger];
            call[KernelCall.Aux] = InputOffsets[1 - _larger];
            call[KernelCall.Cycle] = _cycle;
            call[KernelCall.Multiplier] = _outputMultiplier;
            call[KernelCall.Shift] = _outputShift;
            _terms = new int[512];
            Array.Copy(_largerTerms, 0, _terms, 0, 256);
            Array.Copy(_smallerTerms, 0, _terms, 256, 256);
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Add(Call, arena, _terms);
        }

        public override void Eval(sbyte[] arena)
        {
            // The smaller input is walked with a running index that starts over every _cycle elements: its whole
            // size (equal shapes), C (per channel) or 1 (a scalar).
            int[] big = _largerTerms;
            int[] small = _smallerTerms;
            int multiplier = _outputMultiplier;
            int shift = _outputShift;
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
                int q = QuantMath.MultiplyByQuantizedMultiplier(big[arena[x] + 128] + small[arena[j] + 128], multiplier, shift) + outZp;
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

        private static int[] Terms(int zeroPoint, int multiplier, int shift)
        {
            int[] terms = new int[256];
            for (int v = 0; v < 256; v++)
            {
                terms[v] = QuantMath.AddTerm(v - 128, zeroPoint, multiplier, shift);
            }

            return terms;
        }
    }
}
