namespace TinyMLOps.Shared.Model
{
    /// <summary>Constants of the model format. The layout is specified in docs/model-format.md.</summary>
    public static class ModelFormat
    {
        /// <summary>"TMLM" read as a little-endian u32.</summary>
        public const int Magic = 0x4D4C4D54;

        /// <summary>The version this runtime writes: 2 adds the graph (input tensor ids and a name per operator), the input layout and the output kind.</summary>
        public const int Version = 2;

        /// <summary>The oldest version this runtime reads: version 1, a chain of operators.</summary>
        public const int MinVersion = 1;

        /// <summary>Envelope flag bit 0: a drift profile section (u32 length, then the profile) follows the operators.</summary>
        public const int FlagDriftProfile = 1;

        /// <summary>Envelope flag bit 1: a front-end section (u32 length, then the front-end) follows, after the drift profile if any.</summary>
        public const int FlagFrontEnd = 2;

        /// <summary>magic, version, flags, file length, content hash.</summary>
        public const int HeaderBytes = 44;

        public const int HashOffset = 12;
        public const int HashBytes = 32;
        public const int CrcBytes = 4;

        /// <summary>Bytes of the common operator header after op code and record length.</summary>
        public const int OperatorHeaderBytes = 12;

        public const int MaxLabels = 2048;
        public const int MaxOperators = 1024;

        /// <summary>The most inputs one operator may read (a concatenation of many branches).</summary>
        public const int MaxOperatorInputs = 64;
    }
}
