namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// One int8 tensor of a model graph, batch 1, HWC: its shape and quantization. Tensor 0 is the model input and
    /// tensor k the output of operator k - 1 (docs/model-format.md, "Graph").
    /// </summary>
    public sealed class TensorSpec
    {
        public int H;
        public int W;
        public int C;
        public float Scale;
        public int ZeroPoint;

        public TensorSpec(int h, int w, int c, float scale, int zeroPoint)
        {
            H = h;
            W = w;
            C = c;
            Scale = scale;
            ZeroPoint = zeroPoint;
        }

        public int Elements
        {
            get { return H * W * C; }
        }
    }
}
