using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>The sliding-window geometry shared by convolutions and pooling: kernel, stride, explicit padding.</summary>
    public sealed class Window
    {
        public int KernelH;
        public int KernelW;
        public int StrideH;
        public int StrideW;
        public int PadTop;
        public int PadLeft;
        public int PadBottom;
        public int PadRight;

        public Window()
        {
        }

        public Window(int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight)
        {
            KernelH = kernelH;
            KernelW = kernelW;
            StrideH = strideH;
            StrideW = strideW;
            PadTop = padTop;
            PadLeft = padLeft;
            PadBottom = padBottom;
            PadRight = padRight;
        }

        public static Window Read(ByteReader reader, Operator owner)
        {
            Window w = new Window();
            w.KernelH = reader.ReadU8("kernel height");
            w.KernelW = reader.ReadU8("kernel width");
            w.StrideH = reader.ReadU8("stride height");
            w.StrideW = reader.ReadU8("stride width");
            w.PadTop = reader.ReadU8("pad top");
            w.PadLeft = reader.ReadU8("pad left");
            w.PadBottom = reader.ReadU8("pad bottom");
            w.PadRight = reader.ReadU8("pad right");
            if (w.KernelH == 0 || w.KernelW == 0 || w.StrideH == 0 || w.StrideW == 0)
            {
                throw new Model.ModelFormatException(owner.Name + ": kernel and stride must be at least 1");
            }

            if (w.PadTop >= w.KernelH || w.PadBottom >= w.KernelH || w.PadLeft >= w.KernelW || w.PadRight >= w.KernelW)
            {
                throw new Model.ModelFormatException(owner.Name + ": padding must be smaller than the kernel");
            }

            return w;
        }

        public void Write(ByteWriter writer)
        {
            writer.WriteU8(KernelH);
            writer.WriteU8(KernelW);
            writer.WriteU8(StrideH);
            writer.WriteU8(StrideW);
            writer.WriteU8(PadTop);
            writer.WriteU8(PadLeft);
            writer.WriteU8(PadBottom);
            writer.WriteU8(PadRight);
        }

        /// <summary>Output rows for an input of the given height (0 when the window does not fit).</summary>
        public int OutputHeight(int inH)
        {
            int span = inH + PadTop + PadBottom - KernelH;
            return span < 0 ? 0 : (span / StrideH) + 1;
        }

        public int OutputWidth(int inW)
        {
            int span = inW + PadLeft + PadRight - KernelW;
            return span < 0 ? 0 : (span / StrideW) + 1;
        }
    }
}
