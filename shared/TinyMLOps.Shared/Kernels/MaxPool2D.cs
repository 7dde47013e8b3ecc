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

        public override void Eval(sbyte[] arena)
        {
            Window win = Window;
            int c = InC;
            int outIndex = OutputOffset;
            for (int oy = 0; oy < OutH; oy++)
            {
                int y0 = (oy * win.StrideH) - win.PadTop;
                int yStart = y0 < 0 ? 0 : y0;
                int yEnd = y0 + win.KernelH > InH ? InH : y0 + win.KernelH;
                for (int ox = 0; ox < OutW; ox++)
                {
                    int x0 = (ox * win.StrideW) - win.PadLeft;
                    int xStart = x0 < 0 ? 0 : x0;
                    int xEnd = x0 + win.KernelW > InW ? InW : x0 + win.KernelW;
                    for (int ch = 0; ch < c; ch++)
                    {
                        int max = -128;
                        for (int y = yStart; y < yEnd; y++)
                        {
                            int rowBase = InputOffset + (y * InW * c) + ch;
                            for (int x = xStart; x < xEnd; x++)
                            {
                                int v = arena[rowBase + (x * c)];
                                if (v > max)
                                {
                                    max = v;
                                }
                            }
                        }

                        arena[outIndex++] = (sbyte)(max < ActMin ? ActMin : (max > ActMax ? ActMax : max));
                    }
                }
            }
        }
    }
}
