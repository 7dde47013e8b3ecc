using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Model
{
    /// <summary>
    /// A model file encrypted and authenticated for one device (encrypt-then-MAC), version 1, little-endian:
    /// <code>
    /// offset  size  field
    ///  0      4     magic "TMLS"
    ///  4      1     version (1)
    ///  5      1     algorithm (1 = AES-128-CTR + HMAC-SHA256)
    ///  6      2     reserved, zero
    ///  8      8     key id: HMAC-SHA256(artifact key, "tinymlops-model-kid-v1"), first 8 bytes
    /// 16     16     nonce: the initial CTR counter block
    /// 32      4     ciphertext length n (u32)
    /// 36      n     ciphertext: the plain model file XOR AES-128(enc key, nonce + i) for block i (128-bit big-endian add)
    /// 36+n   32     tag: HMAC-SHA256(mac key, bytes [0, 36 + n))
    /// </code>
    /// The enc key is HMAC-SHA256(artifact key, "tinymlops-model-enc-v1") cut to 16 bytes and the mac key is
    /// HMAC-SHA256(artifact key, "tinymlops-model-mac-v1"); the artifact key is the device's key
    /// (HMAC(fleet master, "tinymlops-device-key-v1" || device id)), so one sealed file opens on one device only.
    /// <see cref="Check"/> authenticates without decrypting; <see cref="Decrypt"/> then yields any range of the
    /// plain file (a layer, or a chunk into the arena), and <see cref="Open"/> does both for the whole file.
    /// The host picks the nonce with <see cref="NonceFor"/> (derived from the enc key and the plain file's
    /// content hash), so a resend is the same bytes and two different files never share a keystream.
    /// </summary>
    public static class SealedArtifact
    {
        public const byte Version = 1;
        public const byte AlgorithmAes128CtrHmacSha256 = 1;
        public const int KeyIdBytes = 8;
        public const int NonceBytes = 16;
        public const int TagBytes = 32;
        public const int EncKeyBytes = 16;
        public const int BlockBytes = 16;
        public const int HeaderBytes = 36;
        public const int OverheadBytes = HeaderBytes + TagBytes;
        public const string EncLabel = "tinymlops-model-enc-v1";
        public const string MacLabel = "tinymlops-model-mac-v1";
        public const string KeyIdLabel = "tinymlops-model-kid-v1";

        /// <summary>Keystream blocks encrypted per call of the block function (4 KiB of counters: few native calls, a small buffer on a board).</summary>
        private const int ChunkBlocks = 256;

        private static readonly byte[] Magic = { (byte)'T', (byte)'M', (byte)'L', (byte)'S' };

        /// <summary>True when data starts like a sealed artifact (magic only; <see cref="Check"/> decides).</summary>
        public static bool IsSealed(byte[] data)
        {
            return data != null && data.Length >= Magic.Length && data[0] == Magic[0] && data[1] == Magic[1]
                && data[2] == Magic[2] && data[3] == Magic[3];
        }

        public static byte[] EncKey(byte[] artifactKey)
        {
            byte[] full = Derive(artifactKey, EncLabel);
            byte[] key = new byte[EncKeyBytes];
            System.Array.Copy(full, 0, key, 0, EncKeyBytes);
            return key;
        }

        public static byte[] MacKey(byte[] artifactKey)
        {
            return Derive(artifactKey, MacLabel);
        }

        public static byte[] KeyId(byte[] artifactKey)
        {
            byte[] full = Derive(artifactKey, KeyIdLabel);
            byte[] id = new byte[KeyIdBytes];
            System.Array.Copy(full, 0, id, 0, KeyIdBytes);
            return id;
        }

        /// <summary>The host's nonce for a plain file: HMAC-SHA256(enc key, content hash), first 16 bytes.</summary>
        public static byte[] NonceFor(byte[] artifactKey, byte[] contentHash)
        {
            byte[] full = Hmac(EncKey(artifactKey), contentHash);
            byte[] nonce = new byte[NonceBytes];
            System.Array.Copy(full, 0, nonce, 0, NonceBytes);
            return nonce;
        }

        /// <summary>Encrypts and authenticates a plain file for the device holding artifactKey.</summary>
        public static byte[] Seal(byte[] plain, byte[] artifactKey, byte[] nonce, IBlockCipher cipher)
        {
            if (plain == null || cipher == null)
            {
                throw new System.ArgumentNullException(plain == null ? "plain" : "cipher");
            }

            RequireKey(artifactKey);
            if (nonce == null || nonce.Length != NonceBytes)
            {
                throw new System.ArgumentException("the nonce must be " + NonceBytes + " bytes");
            }

            byte[] sealedBytes = new byte[OverheadBytes + plain.Length];
            System.Array.Copy(Magic, 0, sealedBytes, 0, Magic.Length);
            sealedBytes[4] = Version;
            sealedBytes[5] = AlgorithmAes128CtrHmacSha256;
            System.Array.Copy(KeyId(artifactKey), 0, sealedBytes, 8, KeyIdBytes);
            System.Array.Copy(nonce, 0, sealedBytes, 16, NonceBytes);
            PutU32(sealedBytes, 32, plain.Length);
            System.Array.Copy(plain, 0, sealedBytes, HeaderBytes, plain.Length);
            Xor(sealedBytes, HeaderBytes, 0, plain.Length, EncKey(artifactKey), nonce, cipher);
            byte[] tag = ComputeTag(sealedBytes, MacKey(artifactKey));
            System.Array.Copy(tag, 0, sealedBytes, HeaderBytes + plain.Length, TagBytes);
            return sealedBytes;
        }

        /// <summary>The plain file's length (the ciphertext length field) of an envelope that passed <see cref="Check"/>.</summary>
        public static int PlainLength(byte[] sealedBytes)
        {
            return sealedBytes.Length - OverheadBytes;
        }

        /// <summary>
        /// Authenticates an envelope for the device holding artifactKey, without decrypting: <see cref="SealResult.Ok"/>,
        /// <see cref="SealResult.Malformed"/>, <see cref="SealResult.WrongDevice"/> or <see cref="SealResult.Tampered"/>.
        /// The tag is compared in constant time. Never throws for any bytes.
        /// </summary>
        public static int Check(byte[] sealedBytes, byte[] artifactKey)
        {
            RequireKey(artifactKey);
            if (sealedBytes == null)
            {
                return SealResult.Malformed;
            }

            int header = CheckHeader(sealedBytes, sealedBytes.Length, artifactKey);
            if (header != SealResult.Ok)
            {
                return header;
            }

            byte[] tag = ComputeTag(sealedBytes, MacKey(artifactKey));
            byte[] given = new byte[TagBytes];
            System.Array.Copy(sealedBytes, sealedBytes.Length - TagBytes, given, 0, TagBytes);
            return ArtifactTag.FixedTimeEquals(tag, given) ? SealResult.Ok : SealResult.Tampered;
        }

        /// <summary>
        /// Checks the header of an envelope of totalLength bytes (its first <see cref="HeaderBytes"/> in header) for the
        /// device holding artifactKey: <see cref="SealResult.Ok"/>, <see cref="SealResult.Malformed"/> or
        /// <see cref="SealResult.WrongDevice"/>. The tag is not checked here. Never throws for any bytes.
        /// </summary>
        public static int CheckHeader(byte[] header, int totalLength, byte[] artifactKey)
        {
            RequireKey(artifactKey);
            if (!IsSealed(header) || header.Length < HeaderBytes || totalLength < OverheadBytes)
            {
                return SealResult.Malformed;
            }

            if (header[4] != Version || header[5] != AlgorithmAes128CtrHmacSha256 || header[6] != 0 || header[7] != 0)
            {
                return SealResult.Malformed;
            }

            long declared = GetU32(header, 32);
            if (declared != totalLength - OverheadBytes)
            {
                return SealResult.Malformed;
            }

            byte[] keyId = KeyId(artifactKey);
            byte[] seen = new byte[KeyIdBytes];
            System.Array.Copy(header, 8, seen, 0, KeyIdBytes);
            return ArtifactTag.FixedTimeEquals(keyId, seen) ? SealResult.Ok : SealResult.WrongDevice;
        }

        /// <summary>
        /// Decrypts (or encrypts) in place: XORs data[at, at + count), which holds bytes [plainOffset, plainOffset + count)
        /// of the ciphertext, with their keystream. For loaders that read the ciphertext straight into the model buffer.
        /// </summary>
        public static void XorKeystream(byte[] encKey, byte[] nonce, int plainOffset, byte[] data, int at, int count, IBlockCipher cipher)
        {
            if (encKey == null || nonce == null || data == null || cipher == null)
            {
                throw new System.ArgumentNullException(encKey == null ? "encKey" : (nonce == null ? "nonce" : (data == null ? "data" : "cipher")));
            }

            if (plainOffset < 0 || count < 0 || at < 0 || at > data.Length - count || nonce.Length != NonceBytes)
            {
                throw new System.ArgumentOutOfRangeException("plainOffset", "the range is outside the data, or the nonce is not 16 bytes");
            }

            Xor(data, at, plainOffset, count, encKey, nonce, cipher);
        }

        /// <summary>
        /// Decrypts count bytes of the plain file starting at plainOffset into destination (streaming: any range, in any
        /// order). Call it only on an envelope that passed <see cref="Check"/>; it does not authenticate.
        /// </summary>
        public static void Decrypt(byte[] sealedBytes, byte[] artifactKey, int plainOffset, int count, byte[] destination, int destinationOffset, IBlockCipher cipher)
        {
            Decrypt(sealedBytes, EncKey(artifactKey), NonceOf(sealedBytes), plainOffset, count, destination, destinationOffset, cipher);
        }

        /// <summary><see cref="Decrypt(byte[],byte[],int,int,byte[],int,IBlockCipher)"/> with the enc key and nonce already derived (for layer-by-layer loops).</summary>
        public static void Decrypt(byte[] sealedBytes, byte[] encKey, byte[] nonce, int plainOffset, int count, byte[] destination, int destinationOffset, IBlockCipher cipher)
        {
            if (sealedBytes == null || destination == null || cipher == null)
            {
                throw new System.ArgumentNullException("sealedBytes");
            }

            int plainLength = sealedBytes.Length - OverheadBytes;
            if (plainOffset < 0 || count < 0 || plainOffset > plainLength - count || destinationOffset < 0 || destinationOffset > destination.Length - count)
            {
                throw new System.ArgumentOutOfRangeException("plainOffset", "the range is outside the plain file or the destination");
            }

            System.Array.Copy(sealedBytes, HeaderBytes + plainOffset, destination, destinationOffset, count);
            Xor(destination, destinationOffset, plainOffset, count, encKey, nonce, cipher);
        }

        /// <summary>The nonce field of an envelope.</summary>
        public static byte[] NonceOf(byte[] sealedBytes)
        {
            byte[] nonce = new byte[NonceBytes];
            System.Array.Copy(sealedBytes, 16, nonce, 0, NonceBytes);
            return nonce;
        }

        /// <summary>Checks and decrypts the whole plain file; throws only <see cref="SealedArtifactException"/> for bad bytes.</summary>
        public static byte[] Open(byte[] sealedBytes, byte[] artifactKey, IBlockCipher cipher)
        {
            int result = Check(sealedBytes, artifactKey);
            if (result != SealResult.Ok)
            {
                throw new SealedArtifactException(result);
            }

            byte[] plain = new byte[PlainLength(sealedBytes)];
            Decrypt(sealedBytes, artifactKey, 0, plain.Length, plain, 0, cipher);
            return plain;
        }

        /// <summary>XORs data[at, at + count) with the keystream bytes [streamOffset, streamOffset + count).</summary>
        private static void Xor(byte[] data, int at, int streamOffset, int count, byte[] encKey, byte[] nonce, IBlockCipher cipher)
        {
            int done = 0;
            byte[] counters = null;
            while (done < count)
            {
                int position = streamOffset + done;
                int firstBlock = position / BlockBytes;
                int skip = position - (firstBlock * BlockBytes);
                int blocks = (skip + (count - done) + BlockBytes - 1) / BlockBytes;
                if (blocks > ChunkBlocks)
                {
                    blocks = ChunkBlocks;
                }

                // One counter buffer for the full chunks, one more for the tail: little garbage on a board's heap.
                if (counters == null || counters.Length != blocks * BlockBytes)
                {
                    counters = new byte[blocks * BlockBytes];
                }

                for (int b = 0; b < blocks; b++)
                {
                    Counter(nonce, firstBlock + b, counters, b * BlockBytes);
                }

                byte[] stream = cipher.EncryptBlocks(encKey, counters);
                int n = (blocks * BlockBytes) - skip;
                if (n > count - done)
                {
                    n = count - done;
                }

                for (int i = 0; i < n; i++)
                {
                    data[at + done + i] ^= stream[skip + i];
                }

                done += n;
            }
        }

        /// <summary>nonce + index as a 128-bit big-endian sum, written at output[at].</summary>
        private static void Counter(byte[] nonce, int index, byte[] output, int at)
        {
            long carry = index;
            for (int i = NonceBytes - 1; i >= 0; i--)
            {
                long sum = nonce[i] + (carry & 0xFF);
                output[at + i] = (byte)sum;
                carry = (carry >> 8) + (sum >> 8);
            }
        }

        private static byte[] ComputeTag(byte[] sealedBytes, byte[] macKey)
        {
            int covered = sealedBytes.Length - TagBytes;
            byte[] message = new byte[covered];
            System.Array.Copy(sealedBytes, 0, message, 0, covered);
            return Hmac(macKey, message);
        }

        private static byte[] Derive(byte[] artifactKey, string label)
        {
            RequireKey(artifactKey);
            return Hmac(artifactKey, Encoding.UTF8.GetBytes(label));
        }

        private static byte[] Hmac(byte[] key, byte[] message)
        {
            HMACSHA256 hmac = new HMACSHA256(key);
            try
            {
                return hmac.ComputeHash(message);
            }
            finally
            {
                hmac.Dispose();
            }
        }

        private static void RequireKey(byte[] artifactKey)
        {
            if (artifactKey == null || artifactKey.Length == 0)
            {
                throw new System.ArgumentException("a device key is required");
            }
        }

        private static void PutU32(byte[] buffer, int at, int value)
        {
            buffer[at] = (byte)value;
            buffer[at + 1] = (byte)(value >> 8);
            buffer[at + 2] = (byte)(value >> 16);
            buffer[at + 3] = (byte)(value >> 24);
        }

        private static long GetU32(byte[] buffer, int at)
        {
            return (long)(buffer[at] | (buffer[at + 1] << 8) | (buffer[at + 2] << 16)) | ((long)buffer[at + 3] << 24);
        }
    }
}
