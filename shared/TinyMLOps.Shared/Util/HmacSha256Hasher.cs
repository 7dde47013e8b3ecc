namespace TinyMLOps.Shared.Util
{
    /// <summary>
    /// HMAC-SHA256 (RFC 2104) fed in pieces, over <see cref="Sha256Hasher"/>: nanoFramework's native HMACSHA256 takes
    /// one array only, which would mean holding a whole sealed model twice in RAM to authenticate it.
    /// </summary>
    public sealed class HmacSha256Hasher
    {
        private const int BlockBytes = 64;

        private readonly byte[] _innerPad = new byte[BlockBytes];
        private readonly byte[] _outerPad = new byte[BlockBytes];
        private readonly Sha256Hasher _inner = new Sha256Hasher();

        public HmacSha256Hasher(byte[] key)
        {
            if (key == null)
            {
                throw new System.ArgumentNullException("key");
            }

            byte[] k = key.Length > BlockBytes ? Sha256.Compute(key, 0, key.Length) : key;
            for (int i = 0; i < BlockBytes; i++)
            {
                byte b = i < k.Length ? k[i] : (byte)0;
                _innerPad[i] = (byte)(b ^ 0x36);
                _outerPad[i] = (byte)(b ^ 0x5c);
            }

            _inner.Update(_innerPad, 0, BlockBytes);
        }

        public void Update(byte[] data, int offset, int count)
        {
            _inner.Update(data, offset, count);
        }

        /// <summary>The tag of everything given; the hasher starts over for a new message afterwards.</summary>
        public byte[] Final()
        {
            byte[] innerDigest = _inner.Final();
            _inner.Update(_innerPad, 0, BlockBytes);
            Sha256Hasher outer = new Sha256Hasher();
            outer.Update(_outerPad, 0, BlockBytes);
            outer.Update(innerDigest, 0, innerDigest.Length);
            return outer.Final();
        }
    }
}
