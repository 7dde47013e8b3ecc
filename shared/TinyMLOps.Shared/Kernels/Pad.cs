using System;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Constant padding of H and W with the input zero point (a real zero): out is (top + H + bottom) x (left + W +
    /// right) x C, quantized like the input. Each input row is one copy; the borders between rows are filled in one run.
    /// </summary>
    public sealed class Pad : Operator
    {
        public const int Code = 11;

        public int PadTop;
        public int PadBottom;
        public int PadLeft;
        public int PadRight;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Pad"; }
        }

        public override void ReadParams(ByteReader reader)
        {
            PadTop = reader.ReadU16("pad top");
            PadBottom = reader.ReadU16("pad bottom");
            PadLeft = reader.ReadU16("pad left");
            PadRight = reader.ReadU16("pad right");
        }

        public override void WriteParams(ByteWriter writer)
        {
            writer.WriteU16(PadTop);
            writer.WriteU16(PadBottom);
            writer.WriteU16(PadLeft);
            writer.WriteU16(PadRight);
        }

        public override void Prepare()
        {
            base.Prepare();
            RequireNoActivation();
            RequireSameQuantization();
            if (PadTop < 0 || PadBottom < 0 || PadLeft < 0 || PadRight < 0 || PadTop > MaxDimension || PadBottom > MaxDimension || PadLeft > MaxDimension || PadRight > MaxDimension)
            {
                Fail("padding must be 0.." + MaxDimension);
            }

            RequireOutputShape(PadTop + InH + PadBottom, PadLeft + InW + PadRight, InC);
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            call[KernelCall.PadTop] = PadTop;
            call[KernelCall.PadLeft] = PadLeft;
            call[KernelCall.PadBottom] = PadBottom;
            call[KernelCall.PadRight] = PadRight;
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Pad(Call, arena);
        }

        public override void Eval(sbyte[] arena)
        {
            sbyte zp = (sbyte)InZeroPoint;
            int c = InC;
            int rows = InH;
            int rowIn = InW * c;
            int outRow = OutW * c;
            int between = (PadRight + PadLeft) * c;
            int src = InputOffset;
            int d = OutputOffset;

            // Top rows and the first left border, then per row: the row and the border up to the next row's data.
            int fill = d + (PadTop * outRow) + (PadLeft * c);
            while (d < fill)
            {
                arena[d++] = zp;
            }

            for (int y = 0; y < rows; y++)
            {
                Array.Copy(arena, src, arena, d, rowIn);
                src += rowIn;
                d += rowIn;
                fill = d + (y < rows - 1 ? between : (PadRight * c) + (PadBottom * outRow));
                while (d < fill)
                {
                    arena[d++] = zp;
                }
            }
        }
    }
}
