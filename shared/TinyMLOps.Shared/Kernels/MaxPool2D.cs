using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>Max pooling over the valid part of each window. Input and output share quantization.</summary>
    public sealed class MaxPool2D : Operator
    {
        public const int Code = 5;

        public Window Window;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "MaxPool2D"; }
        }

        public override void ReadParams(ByteReader reader)
        {
            Window = Window.Read(reader, this);
        }

        public override void WriteParams(ByteWriter writer)
        {
            Window.Write(writer);
        }

        public override void Prepare()
        {
            base.Prepare();
            RequireSameQuantization();
            RequireOutputShape(Window.OutputHeight(InH), Window.OutputWidth(InW), InC);
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            KernelCall.SetWindow(call, Window);
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.MaxPool2D(Call, arena);
        }

        public override void Eval(sbyte[] arena)
        {
            // Hot state in locals: nanoCLR pays per IL instruction, a field load included.
            Window win = Window;
            int c = InC;
            int inH = InH;
            int inW = InW;
            int outH = OutH;
            int outW = OutW;
            int kh = win.KernelH;
            int kw = win.KernelW;
            int actMin = ActMin;
            int actMax = ActMax;
            int rowStride = inW * c;
            int inputOffset = InputOffset;
            int outIndex = OutputOffset;
            for (int oy = 0; oy < outH; oy++)
            {
                int y0 = (oy * win.StrideH) - win.PadTop;
                int yStart = y0 < 0 ? 0 : y0;
                int yEnd = y0 + kh > inH ? inH : y0 + kh;
                int firstRow = inputOffset + (yStart * rowStride);
                for (int ox = 0; ox < outW; ox++)
                {
                    int x0 = (ox * win.StrideW) - win.PadLeft;
                    int xStart = x0 < 0 ? 0 : x0;
                    int xEnd = x0 + kw > inW ? inW : x0 + kw;
                    int xStartOffset = xStart * c;
                    int xEndOffset = xEnd * c;
                    for (int ch = 0; ch < c; ch++)
                    {
                        int max = -128;
                        int rowBase = firstRow + ch;
                        for (int y = yStart; y < yEnd; y++)
                        {
                            int end = rowBase + xEndOffset;
                            for (int x = rowBase + xStartOffset; x < end; x += c)
                            {
                                int v = arena[x];
                                if (v > max)
                                {
                                    max = v;
                                }
                            }

                            rowBase += rowStride;
                        }

                        arena[outIndex++] = (sbyte)(max < actMin ? actMin : (max > actMax ? actMax : max));
                    }
                }
            }
        }
    }
}
