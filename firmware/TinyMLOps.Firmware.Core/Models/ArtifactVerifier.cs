using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// Checks a model artifact before it may become active, in this order, so that no unauthenticated byte reaches
    /// the model parser. A sealed artifact (<see cref="SealedArtifact"/>, the form the host delivers and the slots
    /// keep at rest) is first authenticated as a whole with the device key: a key id of another device gives
    /// <see cref="ModelResult.NotSealedForDevice"/>, a wrong HMAC tag <see cref="ModelResult.Tampered"/>, a broken
    /// envelope <see cref="ModelResult.NotAModel"/>, and no block cipher <see cref="ModelResult.NoCipher"/>; only then
    /// is it decrypted, in RAM, and the plain file goes through the checks of a plain artifact: (1) the SHA-256 of
    /// its body (bytes [44, length - 4), the model's content hash, see docs/model-format.md) equals the expected
    /// content hash, else <see cref="ModelResult.HashMismatch"/>; (2) the expected tag equals
    /// <see cref="ArtifactTag.Compute"/>(device key, hash, variant id), compared in constant time, else
    /// <see cref="ModelResult.TagMismatch"/>; (3) <see cref="ModelReader"/> accepts it, else
    /// <see cref="ModelResult.NotAModel"/> (also for bytes too short to hold a model envelope).
    /// </summary>
    public sealed class ArtifactVerifier
    {
        private readonly byte[] _deviceKey;
        private readonly IBlockCipher _cipher;

        /// <summary>A verifier of plain artifacts only (sealed ones give <see cref="ModelResult.NoCipher"/>).</summary>
        public ArtifactVerifier(byte[] deviceKey)
            : this(deviceKey, null)
        {
        }

        public ArtifactVerifier(byte[] deviceKey, IBlockCipher cipher)
        {
            if (deviceKey == null || deviceKey.Length == 0)
            {
                throw new System.ArgumentException("a device key is required");
            }

            _deviceKey = deviceKey;
            _cipher = cipher;
        }

        /// <summary>Refuse plain artifacts (<see cref="ModelResult.PlainRefused"/>): only sealed models may become active.</summary>
        public bool RequireSealed { get; set; }

        /// <summary>Returns <see cref="ModelResult.Ok"/> or the first failed check's code.</summary>
        public int Verify(byte[] artifact, byte[] expectedHash, byte[] expectedTag, string variantId)
        {
            byte[] plain;
            return Open(artifact, expectedHash, expectedTag, variantId, out plain);
        }

        /// <summary>
        /// Verifies like <see cref="Verify"/> and hands out the plain model file (decrypted when sealed) for loading,
        /// or null when a check fails.
        /// </summary>
        public int Open(byte[] artifact, byte[] expectedHash, byte[] expectedTag, string variantId, out byte[] plain)
        {
            plain = null;
            if (artifact == null)
            {
                return ModelResult.Missing;
            }

            byte[] model = artifact;
            if (SealedArtifact.IsSealed(artifact))
            {
                int sealResult = SealedArtifact.Check(artifact, _deviceKey);
                if (sealResult == SealResult.WrongDevice)
                {
                    return ModelResult.NotSealedForDevice;
                }

                if (sealResult == SealResult.Tampered)
                {
                    return ModelResult.Tampered;
                }

                if (sealResult != SealResult.Ok)
                {
                    return ModelResult.NotAModel;
                }

                if (_cipher == null)
                {
                    return ModelResult.NoCipher;
                }

                model = new byte[SealedArtifact.PlainLength(artifact)];
                SealedArtifact.Decrypt(artifact, _deviceKey, 0, model.Length, model, 0, _cipher);
            }
            else if (RequireSealed)
            {
                return ModelResult.PlainRefused;
            }

            int result = VerifyPlain(model, expectedHash, expectedTag, variantId);
            if (result == ModelResult.Ok)
            {
                plain = model;
            }

            return result;
        }

        /// <summary>
        /// The checks of a plain file on a model that <see cref="SealedSlotReader"/> authenticated and decrypted, given the
        /// envelope's nonce. The host derives the nonce from the content hash it sealed (<see cref="SealedArtifact.NonceFor"/>)
        /// and the tag covers it, so a nonce equal to the expected hash's nonce proves the content hash without hashing the
        /// model a second time (one portable SHA-256 pass over the file, the HMAC's, instead of two).
        /// </summary>
        public int VerifyOpened(byte[] plain, byte[] nonce, byte[] expectedHash, byte[] expectedTag, string variantId)
        {
            if (plain == null)
            {
                return ModelResult.Missing;
            }

            if (nonce == null || expectedHash == null || !ArtifactTag.FixedTimeEquals(nonce, SealedArtifact.NonceFor(_deviceKey, expectedHash)))
            {
                return ModelResult.HashMismatch;
            }

            return VerifyAfterHash(plain, expectedHash, expectedTag, variantId);
        }

        private int VerifyPlain(byte[] artifact, byte[] expectedHash, byte[] expectedTag, string variantId)
        {
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

            return VerifyAfterHash(artifact, hash, expectedTag, variantId);
        }

        /// <summary>The artifact tag over a content hash already established, then the model reader.</summary>
        private int VerifyAfterHash(byte[] artifact, byte[] hash, byte[] expectedTag, string variantId)
        {
            if (artifact.Length < ModelFormat.HeaderBytes + ModelFormat.CrcBytes)
            {
                return ModelResult.NotAModel;
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
