using System;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Softmax over the channels of each position, int8 in and out. Output quantization is fixed at
    /// scale 1/256 and zero point -128 (the TFLite convention). exp() comes from a 256-entry table built
    /// once at load, indexed by (max - x), so Eval does integer work only.
    /// </summary>
    public sealed class Softmax : Operator
    {
        public const int Code = 7;
        public const float OutputScale = 1f / 256f;
        public const int OutputZeroPoint = -128;

        private const int TableBits = 20;

        private int[] _expTable;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Softmax"; }
        }

        public override int ScratchBytes
        {
            get { return 256 * 4; }
        }

        public override void ReadParams(ByteReader reader)
        {
        }

        public override void WriteParams(ByteWriter writer)
        {
        }

        public override void Prepare()
        {
            base.Prepare();
            RequireOutputShape(InH, InW, InC);
            if (OutScale != OutputScale || OutZeroPoint != OutputZeroPoint)
            {
                Fail("output quantization must be scale 1/256, zero point -128");
            }

            if (FusedActivation != 0)
            {
                Fail("softmax cannot fuse an activation");
            }

            if (InC > 2048)
            {
                Fail("more than 2048 classes");
            }

            _expTable = new int[256];
            for (int d = 0; d < 256; d++)
            {
                _expTable[d] = (int)Math.Floor((Math.Exp(-d * (double)InScale) * (1 << TableBits)) + 0.5);
            }
        }

        protected override int[] BuildCall()
        {
            return NewCall(0);
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Softmax(Call, arena, _expTable);
        }

        public override void Eval(sbyte[] arena)
        {
            int c = InC;
            int positions = InH * InW;
            int[] table = _expTable;
            for (int p = 0; p < positions; p++)
            {
                int inBase = InputOffset + (p * c);
                int outBase = OutputOffset + (p * c);
                int max = -128;
                for (int i = 0; i < c; i++)
                {
                    if (arena[inBase + i] > max)
                    {
                        max = arena[inBase + i];
                    }
                }

                long sum = 0;
                for (int i = 0; i < c; i++)
                {
                    sum += table[max - arena[inBase + i]];
                }

                for (int i = 0; i < c; i++)
                {
                    // round(e * 256 / sum) - 128, computed in integers.
                    long e = table[max - arena[inBase + i]];
                    long q = ((e * 512) + sum) / (2 * sum);
                    int v = (int)q - 128;
                    arena[outBase + i] = (sbyte)(v > 127 ? 127 : v);
                }
            }
        }
    }
}
