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

        public override void Eval(sbyte[] arena)
        {
            int inputs = InC;
            int inBase = InputOffset;
            byte[] w = Weights;
            int[] probe = AccumulatorProbe;
            for (int o = 0; o < OutC; o++)
            {
                int acc = _foldedBias[o];
                int wBase = WeightsOffset + (o * inputs);
                for (int i = 0; i < inputs; i++)
                {
                    acc += arena[inBase + i] * (sbyte)w[wBase + i];
                }

                if (probe != null)
                {
                    probe[o] = acc;
                }

                int q = QuantMath.MultiplyByQuantizedMultiplier(acc, _multipliers[o], _shifts[o]) + OutZeroPoint;
                arena[OutputOffset + o] = (sbyte)(q < ActMin ? ActMin : (q > ActMax ? ActMax : q));
            }
        }
    }
}
