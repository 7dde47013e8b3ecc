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

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            KernelCall.SetWindow(call, Window);
            call[KernelCall.Aux] = WeightsOffset;
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Conv2D(Call, arena, Weights, Bias, _multipliers, _shifts);
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
            int inC = InC;
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
                    if (kyStart == 0 && kxStart == 0 && kyEnd == kh && kxEnd == kw)
                    {
                        EvalInterior(arena, iy0, ix0, outIndex);
                    }
                    else
                    {
                        EvalBorder(arena, iy0 + kyStart, ix0 + kxStart, kyStart, kyEnd, kxStart, kxEnd, outIndex);
                    }

                    outIndex += outC;
                }
            }
        }

        /// <summary>
        /// A window that lies wholly inside the input: each kernel row is kw*inC contiguous bytes, summed eight
        /// products per loop test with hot state in locals (nanoCLR pays per IL instruction; docs/benchmarks.md).
        /// </summary>
        private void EvalInterior(sbyte[] arena, int iy0, int ix0, int outIndex)
        {
            int kh = Window.KernelH;
            int inC = InC;
            int row = Window.KernelW * inC;
            int unrolled = row & ~7;
            int inRowStride = InW * inC;
            int inBase = InputOffset + (((iy0 * InW) + ix0) * inC);
            int outBase = OutputOffset + outIndex;
            int outZp = OutZeroPoint;
            int actMin = ActMin;
            int actMax = ActMax;
            int outC = OutC;
            byte[] w = Weights;
            int[] bias = _interiorBias;
            int[] multipliers = _multipliers;
            int[] shifts = _shifts;
            int[] probe = AccumulatorProbe;
            int wi = WeightsOffset;
            for (int oc = 0; oc < outC; oc++)
            {
                int acc = bias[oc];
                int rowStart = inBase;
                for (int ky = 0; ky < kh; ky++)
                {
                    int x = rowStart;
                    int end = rowStart + unrolled;
                    while (x < end)
                    {
                        acc += (arena[x] * (sbyte)w[wi]) + (arena[x + 1] * (sbyte)w[wi + 1])
                            + (arena[x + 2] * (sbyte)w[wi + 2]) + (arena[x + 3] * (sbyte)w[wi + 3])
                            + (arena[x + 4] * (sbyte)w[wi + 4]) + (arena[x + 5] * (sbyte)w[wi + 5])
                            + (arena[x + 6] * (sbyte)w[wi + 6]) + (arena[x + 7] * (sbyte)w[wi + 7]);
                        x += 8;
                        wi += 8;
                    }

                    end = rowStart + row;
                    while (x < end)
                    {
                        acc += arena[x] * (sbyte)w[wi];
                        x++;
                        wi++;
                    }

                    rowStart += inRowStride;
                }

                if (probe != null)
                {
                    probe[outIndex + oc] = acc;
                }

                int q = QuantMath.MultiplyByQuantizedMultiplier(acc, multipliers[oc], shifts[oc]) + outZp;
                arena[outBase + oc] = (sbyte)(q < actMin ? actMin : (q > actMax ? actMax : q));
            }
        }

        /// <summary>
        /// A window that overlaps the padding: only kernel rows kyStart..kyEnd and columns kxStart..kxEnd meet the
        /// input (padded positions hold the zero point and add nothing), so each row is one contiguous span.
        /// </summary>
        private void EvalBorder(sbyte[] arena, int iy, int ix, int kyStart, int kyEnd, int kxStart, int kxEnd, int outIndex)
        {
            int inC = InC;
            int span = (kxEnd - kxStart) * inC;
            int inRowStride = InW * inC;
            int filterRow = Window.KernelW * inC;
            int filter = Window.KernelH * filterRow;
            int inBase = InputOffset + (((iy * InW) + ix) * inC);
            int wStart = WeightsOffset + (kyStart * filterRow) + (kxStart * inC);
            int outBase = OutputOffset + outIndex;
            int inZp = InZeroPoint;
            int outZp = OutZeroPoint;
            int actMin = ActMin;
            int actMax = ActMax;
            int outC = OutC;
            byte[] w = Weights;
            int[] bias = Bias;
            int[] multipliers = _multipliers;
            int[] shifts = _shifts;
            int[] probe = AccumulatorProbe;
            for (int oc = 0; oc < outC; oc++)
            {
                int acc = bias[oc];
                int rowStart = inBase;
                int wRow = wStart + (oc * filter);
                for (int ky = kyStart; ky < kyEnd; ky++)
                {
                    int wi = wRow;
                    int end = rowStart + span;
                    for (int x = rowStart; x < end; x++)
                    {
                        acc += (arena[x] - inZp) * (sbyte)w[wi];
                        wi++;
                    }

                    rowStart += inRowStride;
                    wRow += filterRow;
                }

                if (probe != null)
                {
                    probe[outIndex + oc] = acc;
                }

                int q = QuantMath.MultiplyByQuantizedMultiplier(acc, multipliers[oc], shifts[oc]) + outZp;
                arena[outBase + oc] = (sbyte)(q < actMin ? actMin : (q > actMax ? actMax : q));
            }
        }
    }
}
