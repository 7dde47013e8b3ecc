namespace TinyMLOps.Shared.Protocol
{
    /// <summary>Why a message was rejected: the counter label on the host, the first word of the error.</summary>
    public static class RejectReason
    {
        public const int Truncated = 1;
        public const int Oversized = 2;
        public const int UnknownVersion = 3;
        public const int UnknownKind = 4;
        public const int BadDeviceId = 5;
        public const int BadChecksum = 6;
        public const int BadLength = 7;
        public const int BadPayload = 8;
        public const int BadTopic = 9;
        public const int TopicMismatch = 10;
        public const int WrongDirection = 11;

        /// <summary>Host only: optional data (a drift window, a model delta) from a device whose recorded consent denies it.</summary>
        public const int NoConsent = 12;

        /// <summary>Host only: a message from a device the operator decommissioned.</summary>
        public const int Decommissioned = 13;

        /// <summary>Host only: an uplink without the envelope tag from a device the host holds a key for.</summary>
        public const int Unauthenticated = 14;

        /// <summary>An envelope whose tag is not the one its device's key makes (forged or corrupted).</summary>
        public const int BadTag = 15;

        /// <summary>Host only: a (device, sequence) already stored with other bytes; both copies verify, the first one stays.</summary>
        public const int Conflict = 16;

        public const int Count = 17;

        public static string Name(int reason)
        {
            switch (reason)
            {
                case Truncated: return "truncated";
                case Oversized: return "oversized";
                case UnknownVersion: return "unknown_version";
                case UnknownKind: return "unknown_kind";
                case BadDeviceId: return "bad_device_id";
                case BadChecksum: return "bad_checksum";
                case BadLength: return "bad_length";
                case BadPayload: return "bad_payload";
                case BadTopic: return "bad_topic";
                case TopicMismatch: return "topic_mismatch";
                case WrongDirection: return "wrong_direction";
                case NoConsent: return "no_consent";
                case Decommissioned: return "decommissioned";
                case Unauthenticated: return "unauthenticated";
                case BadTag: return "bad_tag";
                case Conflict: return "conflict";
                default: return "unknown";
            }
        }
    }
}
