using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Average pooling over the valid part of each window (padding is not counted), rounding half away
    /// from zero like the TFLite reference. Input and output share quantization.
    /// </summary>
    public sealed class AveragePool2D : Operator
    {
        public const int Code = 4;

        public Window Window;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "AveragePool2D"; }
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
                    int count = (yEnd - yStart) * (xEnd - xStart);
                    for (int ch = 0; ch < c; ch++)
                    {
                        int sum = 0;
                        for (int y = yStart; y < yEnd; y++)
                        {
                            int rowBase = InputOffset + (y * InW * c) + ch;
                            for (int x = xStart; x < xEnd; x++)
                            {
                                sum += arena[rowBase + (x * c)];
                            }
                        }

                        int avg = sum > 0 ? (sum + (count / 2)) / count : (sum - (count / 2)) / count;
                        arena[outIndex++] = (sbyte)(avg < ActMin ? ActMin : (avg > ActMax ? ActMax : avg));
                    }
                }
            }
        }
    }
}
