namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>How a device keeps samples and sizes local training; the board app and the virtual fleet fill it.</summary>
    public sealed class LearningOptions
    {
        /// <summary>Labelled samples kept (a ring: the oldest goes first). 256 features of 128 bytes take 33 KB of RAM.</summary>
        public int SampleCapacity = 256;

        /// <summary>Samples added between two saves of the sample file (flash wear against what a power cut may lose).</summary>
        public int SaveEvery = 32;

        /// <summary>
        /// Trailing fully connected layers whose input the app captures as features (the tap). A round trains the head
        /// the samples were captured for, so invites for another layer count are refused.
        /// </summary>
        public int FeatureLayers = 1;

        /// <summary>Free heap left to the rest of the firmware when local training is sized against the free memory.</summary>
        public int MemoryMarginBytes = 16 * 1024;

        /// <summary>
        /// Fault injection for robustness tests and the virtual fleet: the delta is multiplied by this before clipping (-10
        /// flips and scales it as a poisoning client would). 1 on a real device.
        /// </summary>
        public float PoisonFactor = 1f;
    }
}
