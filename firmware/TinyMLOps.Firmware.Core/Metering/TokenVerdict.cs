namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>Why <see cref="QuotaGuard"/> accepted or refused a quota token; the name goes back as the command result detail.</summary>
    public static class TokenVerdict
    {
        public const int Accepted = 0;

        /// <summary>Not a token encoding.</summary>
        public const int Malformed = 1;

        /// <summary>The tag is not this device key's tag of the body: forged or altered.</summary>
        public const int BadTag = 2;

        /// <summary>Signed for this device's key but naming another device.</summary>
        public const int WrongDevice = 3;

        /// <summary>Token id not above the highest accepted one: a replay or a stale grant.</summary>
        public const int Replayed = 4;

        /// <summary>Already expired by the device clock when it arrived.</summary>
        public const int Expired = 5;

        /// <summary>No room for another metered model.</summary>
        public const int TooManyModels = 6;

        /// <summary>The model holds <see cref="MeterOptions.MaxTokensPerModel"/> unused tokens already.</summary>
        public const int TooManyTokens = 7;

        public static string Name(int verdict)
        {
            switch (verdict)
            {
                case Accepted: return "accepted";
                case Malformed: return "malformed";
                case BadTag: return "bad-tag";
                case WrongDevice: return "wrong-device";
                case Replayed: return "replayed";
                case Expired: return "expired";
                case TooManyModels: return "too-many-models";
                case TooManyTokens: return "too-many-tokens";
                default: return "verdict-" + verdict;
            }
        }
    }
}
