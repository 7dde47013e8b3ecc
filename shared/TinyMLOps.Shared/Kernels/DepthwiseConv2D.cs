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

        /// <summary>Per-channel multipliers and shifts, built at load.</summary>
        public override int ScratchBytes
        {
            get { return OutC * 8; }
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
        }

        public override void Eval(sbyte[] arena)
        {
            Window win = Window;
            int kh = win.KernelH;
            int kw = win.KernelW;
            int inC = InC;
            int outC = OutC;
            int m = DepthMultiplier;
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
                    for (int oc = 0; oc < outC; oc++)
                    {
                        int ic = oc / m;
                        int acc = Bias[oc];
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

                                int x = arena[InputOffset + (((iy * InW) + ix) * inC) + ic] - inZp;
                                acc += x * (sbyte)w[WeightsOffset + (((ky * kw) + kx) * outC) + oc];
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
    }
}
