namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>Per model in the receipt chain: receipted up to where (durable), and when the next range began (memory).</summary>
    public sealed class ChainMark
    {
        public ChainMark(string modelId, ulong upTo)
        {
            ModelId = modelId;
            UpTo = upTo;
        }

        public string ModelId { get; private set; }

        /// <summary>Every value below this is in a receipt of the chain head.</summary>
        public ulong UpTo { get; internal set; }

        /// <summary>Whether <see cref="StartUnix"/> is the exact time of the inference with value <see cref="UpTo"/>.</summary>
        internal bool HasStart { get; set; }

        internal uint StartUnix { get; set; }
    }
}
