namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// Message kinds of wire protocol v1 (docs/protocol.md). The kind is both the byte in the envelope and
    /// the last topic level; a message whose topic and envelope disagree is rejected. Later features add
    /// kinds here; numbers are never reused.
    /// </summary>
    public static class MessageKind
    {
        // Uplink: device to host.
        public const int Hello = 1;
        public const int Heartbeat = 2;
        public const int CommandResult = 3;
        public const int Chunk = 4;
        public const int Dropped = 5;
        public const int ChunkStatus = 6;
        public const int VariantSwitch = 7;
        public const int ModelHealth = 8;
        public const int UsageReceipt = 9;
        public const int Drift = 10;

        // Downlink: host to device.
        public const int Ack = 64;
        public const int Command = 65;
        public const int DownChunk = 66;

        public const int FirstDownlink = 64;

        public static bool IsKnown(int kind)
        {
            return Name(kind) != null;
        }

        public static bool IsUplink(int kind)
        {
            return kind < FirstDownlink && IsKnown(kind);
        }

        public static bool IsDownlink(int kind)
        {
            return kind >= FirstDownlink && IsKnown(kind);
        }

        /// <summary>The topic level of a kind, or null for an unknown kind.</summary>
        public static string Name(int kind)
        {
            switch (kind)
            {
                case Hello: return "hello";
                case Heartbeat: return "heartbeat";
                case CommandResult: return "command-result";
                case Chunk: return "chunk";
                case Dropped: return "dropped";
                case ChunkStatus: return "chunk-status";
                case VariantSwitch: return "variant-switch";
                case ModelHealth: return "model-health";
                case UsageReceipt: return "usage-receipt";
                case Drift: return "drift";
                case Ack: return "ack";
                case Command: return "command";
                case DownChunk: return "chunk";
                default: return null;
            }
        }

        /// <summary>The kind named by a topic level in one direction, or -1.</summary>
        public static int Parse(string name, bool uplink)
        {
            int first = uplink ? 1 : FirstDownlink;
            int last = uplink ? FirstDownlink - 1 : 127;
            for (int kind = first; kind <= last; kind++)
            {
                string n = Name(kind);
                if (n != null && n == name)
                {
                    return kind;
                }
            }

            return -1;
        }
    }
}
