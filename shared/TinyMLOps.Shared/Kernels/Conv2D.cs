using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// 2-D convolution over an HWC input with OHWI per-channel int8 weights. Padded positions hold the
    /// input zero point, so they add nothing to the accumulator and are skipped. Windows wholly inside the
    /// input take a path with the zero point folded into the bias and no bounds checks; the integer sum,
    /// and so the accumulator, is the same on both paths.
    /// </summary>
    public sealed class Conv2D : Operator
    {
        public const int Code = 2;

        public Window Window;
        public float[] WeightScales;
        public int[] Bias;
        public byte[] Weights;
        public int WeightsOffset;

        private int[] _multipliers;
        private int[] _shifts;

        // bias - inZp * Σw over the whole filter: valid where the window lies inside the input.
        private int[] _interiorBias;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Conv2D"; }
        }

        public override long Macs
        {
            get { return (long)OutH * OutW * OutC * Window.KernelH * Window.KernelW * InC; }
        }

        public override int ParameterBytes
        {
            get { return (OutC * Window.KernelH * Window.KernelW * InC) + (OutC * 8); }
        }

        /// <summary>Per-channel multipliers and shifts, and the folded bias, built at load.</summary>
        public override int ScratchBytes
        {
            get { return OutC * 12; }
        }

        public override int AccumulatorCount
        {
            get { return OutputElements; }
        }

        public override void ReadParams(ByteReader reader)
        {
            Window = Window.Read(reader, this);
            WeightScales = ReadScales(reader, OutC, "weight scales");
            Bias = ReadInt32s(reader, OutC, "bias");
            Weights = reader.Data;
            WeightsOffset = SkipWeights(reader, (long)OutC * Window.KernelH * Window.KernelW * InC);
        }

        public override void WriteParams(ByteWriter writer)
        {
            Window.Write(writer);
            WriteScales(writer, WeightScales);
            WriteInt32s(writer, Bias);
            writer.WriteBytes(Weights, WeightsOffset, OutC * Window.KernelH * Window.KernelW * InC);
        }

        public override void Prepare()
        {
            base.Prepare();
            RequireOutputShape(Window.OutputHeight(InH), Window.OutputWidth(InW), OutC);
            _multipliers = new int[OutC];
            _shifts = new int[OutC];
            PrepareChannelMultipliers(WeightScales, _multipliers, _shifts);
            int filter = Window.KernelH * Window.KernelW * InC;
            _interiorBias = new int[OutC];
            for (int oc = 0; oc < OutC; oc++)
            {
                int sum = 0;
                for (int i = 0; i < filter; i++)
                {
                    sum += (sbyte)Weights[WeightsOffset + (oc * filter) + i];
                }

                _interiorBias[oc] = Bias[oc] - (InZeroPoint * sum);
            }
        }

        public override void Eval(sbyte[] arena)
        {
            Window win = Window;
            int kh = win.KernelH;
            int kw = win.KernelW;
            int inC = InC;
            int inZp = InZeroPoint;
            byte[] w = Weights;
            int[] probe = AccumulatorProbe;
            int outIndex = 0;
            for (int oy = 0; oy < OutH; oy++)
            {
                int iy0 = (oy * win.StrideH) - win.PadTop;
                for (int ox = 0; ox < OutW; ox++)
                {
                    int ix0 = (ox * win.StrideW) - win.PadLeft;
                    if (iy0 >= 0 && ix0 >= 0 && iy0 + kh <= InH && ix0 + kw <= InW)
                    {
                        EvalInterior(arena, iy0, ix0, outIndex);
                        outIndex += OutC;
                        continue;
                    }

                    for (int oc = 0; oc < OutC; oc++)
                    {
                        int acc = Bias[oc];
                        int filterBase = WeightsOffset + (oc * kh * kw * inC);
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int iy = iy0 + ky;
                            if (iy < 0 || iy >= InH)
                            {
                                continue;
                            }

                            for (int kx = 0; kx < kw; kx++)
                            {
                                int ix = ix0 + kx;
                                if (ix < 0 || ix >= InW)
                                {
                                    continue;
                                }

                                int inBase = InputOffset + (((iy * InW) + ix) * inC);
                                int wBase = filterBase + (((ky * kw) + kx) * inC);
                                for (int ic = 0; ic < inC; ic++)
                                {
                                    acc += (arena[inBase + ic] - inZp) * (sbyte)w[wBase + ic];
                                }
                            }
                        }

                        if (probe != null)
                        {
                            probe[outIndex] = acc;
                        }

                        int q = QuantMath.MultiplyByQuantizedMultiplier(acc, _multipliers[oc], _shifts[oc]) + OutZeroPoint;
                        arena[OutputOffset + outIndex] = (sbyte)(q < ActMin ? ActMin : (q > ActMax ? ActMax : q));
                        outIndex++;
                    }
                }
            }
        }

        /// <summary>A window that lies wholly inside the input: each kernel row is kw*inC contiguous bytes.</summary>
        private void EvalInterior(sbyte[] arena, int iy0, int ix0, int outIndex)
        {
            int kh = Window.KernelH;
            int row = Window.KernelW * InC;
            int filter = kh * row;
            int inRowStride = InW * InC;
            int inBase = InputOffset + (((iy0 * InW) + ix0) * InC);
            byte[] w = Weights;
            int[] probe = AccumulatorProbe;
            for (int oc = 0; oc < OutC; oc++)
            {
                int acc = _interiorBias[oc];
                int wBase = WeightsOffset + (oc * filter);
                for (int ky = 0; ky < kh; ky++)
                {
                    int x = inBase + (ky * inRowStride);
                    int wRow = wBase + (ky * row);
                    for (int i = 0; i < row; i++)
                    {
                        acc += arena[x + i] * (sbyte)w[wRow + i];
                    }
                }

                if (probe != null)
                {
                    probe[outIndex + oc] = acc;
                }

                int q = QuantMath.MultiplyByQuantizedMultiplier(acc, _multipliers[oc], _shifts[oc]) + OutZeroPoint;
                arena[OutputOffset + outIndex + oc] = (sbyte)(q < ActMin ? ActMin : (q > ActMax ? ActMax : q));
            }
        }
    }
}
