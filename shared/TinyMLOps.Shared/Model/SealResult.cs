namespace TinyMLOps.Shared.Model
{
    /// <summary>Outcome codes of <see cref="SealedArtifact.Check"/>, checked in this order.</summary>
    public static class SealResult
    {
        public const int Ok = 0;

        /// <summary>Too short, wrong magic, unknown version or algorithm, or a length field that disagrees with the size.</summary>
        public const int Malformed = 1;

        /// <summary>The key id is not this device's: the artifact was sealed for another device (or copied from one).</summary>
        public const int WrongDevice = 2;

        /// <summary>The key id is this device's but the HMAC tag is not: some byte was changed.</summary>
        public const int Tampered = 3;

        public static string Describe(int result)
        {
            switch (result)
            {
                case Ok: return "ok";
                case Malformed: return "not a sealed artifact: malformed envelope";
                case WrongDevice: return "artifact not sealed for this device";
                case Tampered: return "tag mismatch: tampered";
                default: return "seal-result-" + result;
            }
        }
    }
}
