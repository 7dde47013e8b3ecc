using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Depthwise convolution: each input channel ic feeds output channels ic*m .. ic*m+m-1 (m is the depth
    /// multiplier). Weights are stored [kh][kw][outC], the TFLite layout.
    /// </summary>
    public sealed class DepthwiseConv2D : Operator
    {
        public const int Code = 3;

        public Window Window;
        public int DepthMultiplier;
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
            get { return "DepthwiseConv2D"; }
        }

        public override long Macs
        {
            get { return (long)OutH * OutW * OutC * Window.KernelH * Window.KernelW; }
        }

        public override int ParameterBytes
        {
            get { return (Window.KernelH * Window.KernelW * OutC) + (OutC * 8); }
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
            DepthMultiplier = reader.ReadU8("depth multiplier");
            if (DepthMultiplier < 1)
            {
                throw new ModelFormatException(Name + ": depth multiplier must be at least 1");
            }

            WeightScales = ReadScales(reader, OutC, "weight scales");
            Bias = ReadInt32s(reader, OutC, "bias");
            Weights = reader.Data;
            WeightsOffset = SkipWeights(reader, (long)Window.KernelH * Window.KernelW * OutC);
        }

        public override void WriteParams(ByteWriter writer)
        {
            Window.Write(writer);
            writer.WriteU8(DepthMultiplier);
            WriteScales(writer, WeightScales);
            WriteInt32s(writer, Bias);
            writer.WriteBytes(Weights, WeightsOffset, Window.KernelH * Window.KernelW * OutC);
        }

        public override void Prepare()
        {
            base.Prepare();
            RequireOutputShape(Window.OutputHeight(InH), Window.OutputWidth(InW), InC * DepthMultiplier);
            _multipliers = new int[OutC];
            _shifts = new int[OutC];
            PrepareChannelMultipliers(WeightScales, _multipliers, _shifts);
            int taps = Window.KernelH * Window.KernelW;
            _interiorBias = new int[OutC];
            for (int oc = 0; oc < OutC; oc++)
            {
                int sum = 0;
                for (int t = 0; t < taps; t++)
                {
                    sum += (sbyte)Weights[WeightsOffset + (t * OutC) + oc];
                }

                _interiorBias[oc] = Bias[oc] - (InZeroPoint * sum);
            }
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            KernelCall.SetWindow(call, Window);
            call[KernelCall.Aux] = WeightsOffset;
            call[KernelCall.DepthMultiplier] = DepthMultiplier;
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.DepthwiseConv2D(Call, arena, Weights, Bias, _multipliers, _shifts);
        }

        public override void Eval(sbyte[] arena)
        {
            Window win = Window;
            int kh = win.KernelH;
            int kw = win.KernelW;
            int strideH = win.StrideH;
            int strideW = win.StrideW;
            int padTop = win.PadTop;
            int padLeft = win.PadLeft;
            int inH = InH;
            int inW = InW;
            int outH = OutH;
            int outW = OutW;
            int outC = OutC;
            int outIndex = 0;
            for (int oy = 0; oy < outH; oy++)
            {
                int iy0 = (oy * strideH) - padTop;
                int kyStart = iy0 < 0 ? -iy0 : 0;
                int kyEnd = iy0 + kh > inH ? inH - iy0 : kh;
                for (int ox = 0; ox < outW; ox++)
                {
                    int ix0 = (ox * strideW) - padLeft;
                    int kxStart = ix0 < 0 ? -ix0 : 0;
                    int kxEnd = ix0 + kw > inW ? inW - ix0 : kw;
                    bool interior = kyStart == 0 && kxStart == 0 && kyEnd == kh && kxEnd == kw;
                    EvalPixel(arena, iy0 + kyStart, ix0 + kxStart, kyStart, kyEnd, kxStart, kxEnd, interior, outIndex);
                    outIndex += outC;
                }
            }
        }

        /// <summary>
        /// All output channels of one output pixel. Only kernel rows kyStart..kyEnd and columns kxStart..kxEnd meet
        /// the input (padded positions hold the zero point and add nothing). Inside the input the zero point is
        /// folded into the bias and a three-wide row is summed without a loop; hot state stays in locals, since
        /// nanoCLR pays per IL instruction (docs/benchmarks.md).
        /// </summary>
        private void EvalPixel(sbyte[] arena, int iy, int ix, int kyStart, int kyEnd, int kxStart, int kxEnd, bool interior, int outIndex)
        {
            int inC = InC;
            int outC = OutC;
            int kw = Window.KernelW;
            int m = DepthMultiplier;
            int inRowStride = InW * inC;
            int inBase = InputOffset + (((iy * InW) + ix) * inC);
            int wBase = WeightsOffset + (((kyStart * kw) + kxStart) * outC);
            int wRowStride = kw * outC;
            int taps = kxEnd - kxStart;
            bool threeWide = interior && taps == 3;
            int inC2 = inC * 2;
            int outC2 = outC * 2;
            int inZp = interior ? 0 : InZeroPoint;
            int outBase = OutputOffset + outIndex;
            int outZp = OutZeroPoint;
            int actMin = ActMin;
            int actMax = ActMax;
            byte[] w = Weights;
            int[] bias = interior ? _interiorBias : Bias;
            int[] multipliers = _multipliers;
            int[] shifts = _shifts;
            int[] probe = AccumulatorProbe;
            int ic = 0;
            int sameInput = 0;
            for (int oc = 0; oc < outC; oc++)
            {
                int acc = bias[oc];
                int rowStart = inBase + ic;
                int wRow = wBase + oc;
                for (int ky = kyStart; ky < kyEnd; ky++)
                {
                    if (threeWide)
                    {
                        acc += (arena[rowStart] * (sbyte)w[wRow]) + (arena[rowStart + inC] * (sbyte)w[wRow + outC])
                            + (arena[rowStart + inC2] * (sbyte)w[wRow + outC2]);
                    }
                    else
                    {
                        int x = rowStart;
                        int wi = wRow;
                        for (int t = 0; t < taps; t++)
                        {
                            acc += (arena[x] - inZp) * (sbyte)w[wi];
                            x += inC;
                            wi += outC;
                        }
                    }

                    rowStart += inRowStride;
                    wRow += wRowStride;
                }

                if (probe != null)
                {
                    probe[outIndex + oc] = acc;
                }

                int q = QuantMath.MultiplyByQuantizedMultiplier(acc, multipliers[oc], shifts[oc]) + outZp;
                arena[outBase + oc] = (sbyte)(q < actMin ? actMin : (q > actMax ? actMax : q));

                // Output channel oc reads input channel oc / m, without a division per channel.
                sameInput++;
                if (sameInput == m)
                {
                    sameInput = 0;
                    ic++;
                }
            }
        }
    }
}
