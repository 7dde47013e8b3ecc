namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>Every tunable of metered inference in one place (docs/metering.md explains the trade-offs).</summary>
    public sealed class MeterOptions
    {
        public const string DefaultCounterFile = "meter-counters.log";
        public const string DefaultChainFile = "meter-chain.dat";
        public const string DefaultQuotaFile = "meter-quota.dat";

        /// <summary>
        /// Counter values reserved per flash write (N). A power loss over-counts at most N per model; the counter
        /// costs about 1000 / N appends per 1,000 inferences.
        /// </summary>
        public int BlockSize = 64;

        /// <summary>The counter log is compacted (temp file and rename) once it grows past this many bytes.</summary>
        public int CounterLogCompactBytes = 4096;

        /// <summary>Models the device meters (counters, chain marks and quota states are kept per model).</summary>
        public int MaxModels = 8;

        /// <summary>A receipt is cut once its range holds this many inferences.</summary>
        public int MaxReceiptCount = 10000;

        /// <summary>A receipt is cut once its window is this old (device clock), so usage reaches the host in time.</summary>
        public int MaxWindowSeconds = 3600;

        /// <summary>Receipts cut and handed over per poll at most, so one poll stays short.</summary>
        public int MaxReceiptsPerPoll = 16;

        /// <summary>Unused quota tokens kept per model; further grants are refused until one is used up or expires.</summary>
        public int MaxTokensPerModel = 4;

        /// <summary>
        /// False: a model that was never granted a token runs metered and unlimited (billed from its receipts).
        /// True: it is refused until a token arrives.
        /// </summary>
        public bool RequireToken;

        /// <summary>The extraction signals measured per inference and sent with the receipts.</summary>
        public Protection.QuerySignalOptions Signals = new Protection.QuerySignalOptions();

        public string CounterFile = DefaultCounterFile;
        public string ChainFile = DefaultChainFile;
        public string QuotaFile = DefaultQuotaFile;
    }
}
