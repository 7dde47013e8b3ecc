using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Fully connected: out[o] = requant(bias[o] + Σ (in[i] - inZp) * w[o, i]). Weights are symmetric per
    /// output channel, stored [units][inputs] in the model buffer and read in place. The zero-point term is
    /// folded into the bias at load; the integer sum is the same, so accumulators are unchanged.
    /// </summary>
    public sealed class FullyConnected : Operator
    {
        public const int Code = 1;

        public float[] WeightScales;
        public int[] Bias;
        public byte[] Weights;
        public int WeightsOffset;

        private int[] _multipliers;
        private int[] _shifts;

        // bias - inZp * Σw: the input zero point folded out of the inner loop, computed once at load.
        private int[] _foldedBias;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "FullyConnected"; }
        }

        public override long Macs
        {
            get { return (long)InC * OutC; }
        }

        public override int ParameterBytes
        {
            get { return (InC * OutC) + (OutC * 8); }
        }

        /// <summary>Per-channel multipliers and shifts, and the folded bias, built at load.</summary>
        public override int ScratchBytes
        {
            get { return OutC * 12; }
        }

        public override int AccumulatorCount
        {
            get { return OutC; }
        }

        public override void ReadParams(ByteReader reader)
        {
            WeightScales = ReadScales(reader, OutC, "weight scales");
            Bias = ReadInt32s(reader, OutC, "bias");
            Weights = reader.Data;
            WeightsOffset = SkipWeights(reader, (long)InC * OutC);
        }

        public override void WriteParams(ByteWriter writer)
        {
            WriteScales(writer, WeightScales);
            WriteInt32s(writer, Bias);
            writer.WriteBytes(Weights, WeightsOffset, InC * OutC);
        }

        public override void Prepare()
        {
            base.Prepare();
            if (InH != 1 || InW != 1)
            {
                Fail("input must be flat (1x1xN); add a Reshape first");
            }

            RequireOutputShape(1, 1, OutC);
            _multipliers = new int[OutC];
            _shifts = new int[OutC];
            PrepareChannelMultipliers(WeightScales, _multipliers, _shifts);
            _foldedBias = new int[OutC];
            for (int o = 0; o < OutC; o++)
            {
                int sum = 0;
                int wBase = WeightsOffset + (o * InC);
                for (int i = 0; i < InC; i++)
                {
                    sum += (sbyte)Weights[wBase + i];
                }

                _foldedBias[o] = Bias[o] - (InZeroPoint * sum);
            }
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            call[KernelCall.Aux] = WeightsOffset;
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.FullyConnected(Call, arena, Weights, Bias, _multipliers, _shifts);
        }

        public override void Eval(sbyte[] arena)
        {
            // nanoCLR pays per IL instruction: hot state in locals, four products per loop test, and running
            // indices instead of base + i (docs/benchmarks.md, "Kernels tuned for the interpreter").
            int inputs = InC;
            int unrolled = inputs & ~7;
            int inBase = InputOffset;
            int outBase = OutputOffset;
            int outZp = OutZeroPoint;
            int actMin = ActMin;
            int actMax = ActMax;
            byte[] w = Weights;
            int[] bias = _foldedBias;
            int[] multipliers = _multipliers;
            int[] shifts = _shifts;
            int[] probe = AccumulatorProbe;
            int wi = WeightsOffset;
            int outputs = OutC;
            for (int o = 0; o < outputs; o++)
            {
                int acc = bias[o];
                int x = inBase;
                int end = inBase + unrolled;
                while (x < end)
                {
                    acc += (arena[x] * (sbyte)w[wi]) + (arena[x + 1] * (sbyte)w[wi + 1])
                        + (arena[x + 2] * (sbyte)w[wi + 2]) + (arena[x + 3] * (sbyte)w[wi + 3])
                        + (arena[x + 4] * (sbyte)w[wi + 4]) + (arena[x + 5] * (sbyte)w[wi + 5])
                        + (arena[x + 6] * (sbyte)w[wi + 6]) + (arena[x + 7] * (sbyte)w[wi + 7]);
                    x += 8;
                    wi += 8;
                }

                end = inBase + inputs;
                while (x < end)
                {
                    acc += arena[x] * (sbyte)w[wi];
                    x++;
                    wi++;
                }

                if (probe != null)
                {
                    probe[o] = acc;
                }

                int q = QuantMath.MultiplyByQuantizedMultiplier(acc, multipliers[o], shifts[o]) + outZp;
                arena[outBase + o] = (sbyte)(q < actMin ? actMin : (q > actMax ? actMax : q));
            }
        }
    }
}
