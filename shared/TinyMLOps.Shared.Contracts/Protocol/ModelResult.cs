namespace TinyMLOps.Shared.Protocol
{
    /// <summary>Outcome codes of the device's artifact verifier and model slots, as variant-switch reports carry them.</summary>
    public static class ModelResult
    {
        public const int Ok = 0;

        /// <summary>The SHA-256 of the artifact's body is not the expected content hash (wrong, torn or tampered bytes).</summary>
        public const int HashMismatch = 1;

        /// <summary>The authentication tag is not HMAC-SHA256(device key, domain, hash, variant id): not signed for this device.</summary>
        public const int TagMismatch = 2;

        /// <summary>Hash and tag are right but the model reader refuses the bytes (or they are too short to be a model).</summary>
        public const int NotAModel = 3;

        /// <summary>The artifact or slot file does not exist, or the slot holds no verified model.</summary>
        public const int Missing = 4;

        /// <summary>Activating the model slots without a staged model.</summary>
        public const int NothingStaged = 5;

        /// <summary>Rolling the model slots back without a previous model.</summary>
        public const int NoPrevious = 6;

        /// <summary>The model verified but the application could not load or run it (for example a kernel the firmware lacks).</summary>
        public const int LoadFailed = 7;

        /// <summary>A sealed artifact (<see cref="TinyMLOps.Shared.Model.SealedArtifact"/>) whose key id is another device's: sealed for, or copied from, another device.</summary>
        public const int NotSealedForDevice = 8;

        /// <summary>A sealed artifact for this device whose HMAC tag does not match: some byte was changed.</summary>
        public const int Tampered = 9;

        /// <summary>A sealed artifact reached a verifier that has no block cipher to decrypt it with.</summary>
        public const int NoCipher = 10;

        /// <summary>A plain (unsealed) artifact reached a device that requires sealed models.</summary>
        public const int PlainRefused = 11;

        /// <summary>A sentence for logs: the refusal reasons of sealed artifacts spelled out, else <see cref="Name"/>.</summary>
        public static string Describe(int result)
        {
            switch (result)
            {
                case NotSealedForDevice: return "artifact not sealed for this device";
                case Tampered: return "tag mismatch: tampered";
                case NoCipher: return "sealed artifact but no cipher to open it";
                case PlainRefused: return "plain artifact refused: this device takes sealed models only";
                default: return Name(result);
            }
        }

        public static string Name(int result)
        {
            switch (result)
            {
                case Ok: return "ok";
                case HashMismatch: return "hash-mismatch";
                case TagMismatch: return "tag-mismatch";
                case NotAModel: return "not-a-model";
                case Missing: return "missing";
                case NothingStaged: return "nothing-staged";
                case NoPrevious: return "no-previous";
                case LoadFailed: return "load-failed";
                case NotSealedForDevice: return "not-sealed-for-device";
                case Tampered: return "tampered";
                case NoCipher: return "no-cipher";
                case PlainRefused: return "plain-refused";
                default: return "result-" + result;
            }
        }
    }
}
