using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Kernels
{
    /// <summary>Reshape / flatten: the same bytes under a new shape. The planner aliases it, so Eval does nothing.</summary>
    public sealed class Reshape : Operator
    {
        public const int Code = 6;

        public override int OpCode
        {
            get { return Code; }
        }

        public override string Name
        {
            get { return "Reshape"; }
        }

        public override bool IsInPlace
        {
            get { return true; }
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
            RequireSameQuantization();
            if (OutputElements != InputElements)
            {
                Fail("output has " + OutputElements + " elements, input has " + InputElements);
            }

            if (FusedActivation != 0)
            {
                Fail("a reshape cannot fuse an activation");
            }
        }

        public override void Eval(sbyte[] arena)
        {
        }
    }
}
