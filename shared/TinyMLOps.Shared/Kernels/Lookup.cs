using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// Any elementwise int8 → int8 function as a 256-entry table stored in the model: out = table[x + 128]. The host
    /// computes the table from the function and both quantizations (Sigmoid, Tanh, HardSwish, HardSigmoid, LeakyRelu,
    /// a standalone Clip or Relu, a requantization); the device only indexes it, in place in the file buffer.
    /// </summary>
    public sealed class Lookup : Operator
    {
        public const int Code = 12;
        public const int TableSize = 256;

        public byte[] Table;
        public int TableOffset;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Lookup"; }
        }

        public override int ParameterBytes
        {
            get { return TableSize; }
        }

        public override void ReadParams(ByteReader reader)
        {
            reader.Require(TableSize, "lookup table");
            Table = reader.Data;
            TableOffset = reader.Skip(TableSize, "lookup table");
        }

        public override void WriteParams(ByteWriter writer)
        {
            writer.WriteBytes(Table, TableOffset, TableSize);
        }

        public override void Prepare()
        {
            base.Prepare();
            RequireNoActivation();
            RequireOutputShape(InH, InW, InC);
            if (Table == null || TableOffset < 0 || TableOffset + TableSize > Table.Length)
            {
                Fail("needs a 256-entry table");
            }
        }

        protected override int[] BuildCall()
        {
            int[] call = NewCall(0);
            call[KernelCall.Aux] = TableOffset;
            return call;
        }

        protected override bool RunOn(IKernelBackend backend, sbyte[] arena)
        {
            return backend.Lookup(Call, arena, Table);
        }

        public override void Eval(sbyte[] arena)
        {
            // Four elements per loop test; the table is indexed by x + 128 through one offset.
            byte[] table = Table;
            int t = TableOffset + 128;
            int x = InputOffset;
            int o = OutputOffset;
            int n = InputElements;
            int end = x + (n & ~3);
            while (x < end)
            {
                arena[o] = (sbyte)table[t + arena[x]];
                arena[o + 1] = (sbyte)table[t + arena[x + 1]];
                arena[o + 2] = (sbyte)table[t + arena[x + 2]];
                arena[o + 3] = (sbyte)table[t + arena[x + 3]];
                x += 4;
                o += 4;
            }

            end = InputOffset + n;
            while (x < end)
            {
                arena[o++] = (sbyte)table[t + arena[x++]];
            }
        }
    }
}
