namespace TinyMLOps.Shared.Kernels
{
    /// <summary>Maps the format's op codes to kernels. Returns null for a code this runtime does not know.</summary>
    public static class OperatorFactory
    {
        public static Operator Create(int opCode)
        {
            switch (opCode)
            {
                case FullyConnected.Code: return new FullyConnected();
                case Conv2D.Code: return new Conv2D();
                case DepthwiseConv2D.Code: return new DepthwiseConv2D();
                case AveragePool2D.Code: return new AveragePool2D();
                case MaxPool2D.Code: return new MaxPool2D();
                case Reshape.Code: return new Reshape();
                case Softmax.Code: return new Softmax();
                case Add.Code: return new Add();
                case Mul.Code: return new Mul();
                case Concat.Code: return new Concat();
                case Pad.Code: return new Pad();
                case Lookup.Code: return new Lookup();
                case Mean.Code: return new Mean();
                default: return null;
            }
        }
    }
}
