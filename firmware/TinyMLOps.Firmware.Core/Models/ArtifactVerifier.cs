using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// Checks a model artifact before it may become active, in this order, so that no unauthenticated byte reaches
    /// the model parser: (1) the SHA-256 of its body (bytes [44, length - 4), the model's content hash, see
    /// docs/model-format.md) equals the expected content hash, else <see cref="ModelResult.HashMismatch"/>;
    /// (2) the expected tag equals <see cref="ArtifactTag.Compute"/>(device key, hash, variant id), compared in
    /// constant time, else <see cref="ModelResult.TagMismatch"/>; (3) <see cref="ModelReader"/> accepts it, else
    /// <see cref="ModelResult.NotAModel"/> (also for bytes too short to hold a model envelope).
    /// </summary>
    public sealed class ArtifactVerifier
    {
        private readonly byte[] _deviceKey;

        public ArtifactVerifier(byte[] deviceKey)
        {
            if (deviceKey == null || deviceKey.Length == 0)
            {
                throw new System.ArgumentException("a device key is required");
            }

            _deviceKey = deviceKey;
        }

        /// <summary>Returns <see cref="ModelResult.Ok"/> or the first failed check's code.</summary>
        public int Verify(byte[] artifact, byte[] expectedHash, byte[] expectedTag, string variantId)
        {
            if (artifact == null)
            {
                return ModelResult.Missing;
            }

            int envelope = ModelFormat.HeaderBytes + ModelFormat.CrcBytes;
            if (artifact.Length < envelope)
            {
                return ModelResult.NotAModel;
            }

            byte[] hash = Sha256.Compute(artifact, ModelFormat.HeaderBytes, artifact.Length - envelope);
            if (!ArtifactTag.FixedTimeEquals(hash, expectedHash))
            {
                return ModelResult.HashMismatch;
            }

            byte[] tag = ArtifactTag.Compute(_deviceKey, hash, variantId);
            if (!ArtifactTag.FixedTimeEquals(tag, expectedTag))
            {
                return ModelResult.TagMismatch;
            }

            try
            {
                ModelReader.Read(artifact);
            }
            catch (ModelFormatException)
            {
                return ModelResult.NotAModel;
            }

            return ModelResult.Ok;
        }
    }
}
