namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>How long and how hard one local training runs: bounded epochs and batch, SGD step, FedProx μ.</summary>
    public sealed class TrainingParams
    {
        public int Epochs = 1;
        public int BatchSize = 16;
        public float LearningRate = 0.05f;

        /// <summary>The proximal term μ/2·‖w − w_global‖² (FedProx); 0 for plain SGD.</summary>
        public float ProximalMu;
    }
}
