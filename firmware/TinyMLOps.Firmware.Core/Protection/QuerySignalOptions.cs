namespace TinyMLOps.Firmware.Core.Protection
{
    /// <summary>Thresholds of the extraction signals the device measures per inference (docs/protection.md).</summary>
    public sealed class QuerySignalOptions
    {
        /// <summary>Signals are measured and sent with receipts (receipt version 2); off sends version 1 receipts.</summary>
        public bool Enabled = true;

        /// <summary>A top-1 confidence below this (in 1/65535) is low: 0.5.</summary>
        public int LowConfidence = 32768;

        /// <summary>
        /// An input is out of distribution when its mean surprise under the reference input histograms exceeds the
        /// reference's own by this many nats per value (see <see cref="NoveltyScorer"/>).
        /// </summary>
        public float NoveltyMarginNats = 1.5f;

        /// <summary>Recent inputs kept to find near-identical ones.</summary>
        public int DuplicateRing = 32;

        /// <summary>Slices of the input summarised in a fingerprint.</summary>
        public int FingerprintSlices = 16;

        /// <summary>Levels a slice's mean is quantized to; two inputs are near-identical when every slice is within one level.</summary>
        public int FingerprintLevels = 32;
    }
}
