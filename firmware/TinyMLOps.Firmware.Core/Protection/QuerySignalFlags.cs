namespace TinyMLOps.Firmware.Core.Protection
{
    /// <summary>What one metered inference told about its query: bits handed to the meter with the count.</summary>
    public static class QuerySignalFlags
    {
        /// <summary>No signal was measured (a failed inference, or a caller without signals).</summary>
        public const int None = 0;

        /// <summary>Signals were measured; the bits below are meaningful.</summary>
        public const int Observed = 1;

        public const int LowConfidence = 2;

        public const int OutOfDistribution = 4;

        public const int NearDuplicate = 8;
    }
}
