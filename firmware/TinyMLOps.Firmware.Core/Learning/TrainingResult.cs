namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>What one local training did: steps, samples seen, and the mean loss and accuracy of its last epoch.</summary>
    public sealed class TrainingResult
    {
        public int Steps;
        public int SamplesSeen;
        public float LastEpochLoss;
        public float LastEpochAccuracy;
    }
}
