namespace TinyMLOps.Shared.Quantization
{
    /// <summary>Fused activations, as stored in the model format (one byte).</summary>
    public static class Activation
    {
        public const int None = 0;
        public const int Relu = 1;
        public const int Relu6 = 2;

        public static bool IsValid(int value)
        {
            return value >= None && value <= Relu6;
        }

        public static string Name(int value)
        {
            switch (value)
            {
                case None: return "none";
                case Relu: return "relu";
                case Relu6: return "relu6";
                default: return "unknown";
            }
        }
    }
}
