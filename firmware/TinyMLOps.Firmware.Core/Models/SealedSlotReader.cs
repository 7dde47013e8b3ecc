using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// Opens a sealed artifact kept on storage without holding it in RAM twice: the header is checked for this device,
    /// the HMAC tag is computed over the file read in small chunks, and only then is the ciphertext read straight into
    /// the model buffer and decrypted there, in place. Peak RAM is the plain model plus one chunk, the same as loading a
    /// plain model; the weights exist in clear only in the buffer the interpreter runs from (docs/protection.md).
    /// </summary>
    public static class SealedSlotReader
    {
        /// <summary>Bytes read from storage per step while authenticating.</summary>
        public const int ChunkBytes = 1024;

        /// <summary>Whether the file starts with the sealed magic (false for a missing or short file).</summary>
        public static bool IsSealedFile(IStorage storage, string name)
        {
            byte[] head = new byte[4];
            return storage.Length(name) >= head.Length && storage.Read(name, 0, head, 0, head.Length) == head.Length && SealedArtifact.IsSealed(head);
        }

        /// <summary>
        /// A <see cref="ModelResult"/>: <see cref="ModelResult.Ok"/> with the plain model file in plain, else
        /// <see cref="ModelResult.Missing"/>, <see cref="ModelResult.NotAModel"/> (broken envelope),
        /// <see cref="ModelResult.NotSealedForDevice"/>, <see cref="ModelResult.Tampered"/> or
        /// <see cref="ModelResult.NoCipher"/>. Nothing is decrypted before the tag verified.
        /// </summary>
        public static int Open(IStorage storage, string name, byte[] artifactKey, IBlockCipher cipher, out byte[] plain)
        {
            byte[] nonce;
            return Open(storage, name, artifactKey, cipher, out plain, out nonce);
        }

        /// <summary>Like <see cref="Open(IStorage, string, byte[], IBlockCipher, out byte[])"/>, also handing out the envelope's nonce (authenticated by the tag).</summary>
        public static int Open(IStorage storage, string name, byte[] artifactKey, IBlockCipher cipher, out byte[] plain, out byte[] nonce)
        {
            plain = null;
            nonce = null;
            byte[] header;
            int verified = Authenticate(storage, name, artifactKey, out header);
            if (verified != ModelResult.Ok)
            {
                return verified;
            }

            if (cipher == null)
            {
                return ModelResult.NoCipher;
            }

            int n = storage.Length(name) - SealedArtifact.OverheadBytes;
            byte[] model = new byte[n];
            for (int at = 0; at < n;)
            {
                int got = storage.Read(name, SealedArtifact.HeaderBytes + at, model, at, n - at);
                if (got <= 0)
                {
                    return ModelResult.NotAModel;
                }

                at += got;
            }

            // The file could change between the two reads; the caller's content hash and tag over the plain model catch that.
            nonce = SealedArtifact.NonceOf(header);
            SealedArtifact.XorKeystream(SealedArtifact.EncKey(artifactKey), nonce, 0, model, 0, n, cipher);
            plain = model;
            return ModelResult.Ok;
        }

        /// <summary>
        /// The first half of <see cref="Open"/>: the header checked for this device and the tag over the file read in
        /// chunks. <see cref="ModelResult.Ok"/> with the header, or why not.
        /// </summary>
        public static int Authenticate(IStorage storage, string name, byte[] artifactKey, out byte[] header)
        {
            header = new byte[SealedArtifact.HeaderBytes];
            int length = storage.Length(name);
            if (length < 0)
            {
                return ModelResult.Missing;
            }

            if (length < SealedArtifact.OverheadBytes || storage.Read(name, 0, header, 0, header.Length) != header.Length)
            {
                return ModelResult.NotAModel;
            }

            int check = SealedArtifact.CheckHeader(header, length, artifactKey);
            if (check == SealResult.WrongDevice)
            {
                return ModelResult.NotSealedForDevice;
            }

            if (check != SealResult.Ok)
            {
                return ModelResult.NotAModel;
            }

            HmacSha256Hasher mac = new HmacSha256Hasher(SealedArtifact.MacKey(artifactKey));
            mac.Update(header, 0, header.Length);
            byte[] chunk = new byte[ChunkBytes];
            int covered = length - SealedArtifact.TagBytes;
            for (int at = header.Length; at < covered;)
            {
                int want = covered - at < chunk.Length ? covered - at : chunk.Length;
                int got = storage.Read(name, at, chunk, 0, want);
                if (got <= 0)
                {
                    return ModelResult.NotAModel;
                }

                mac.Update(chunk, 0, got);
                at += got;
            }

            byte[] given = new byte[SealedArtifact.TagBytes];
            if (storage.Read(name, covered, given, 0, given.Length) != given.Length || !ArtifactTag.FixedTimeEquals(mac.Final(), given))
            {
                return ModelResult.Tampered;
            }

            return ModelResult.Ok;
        }
    }
}
