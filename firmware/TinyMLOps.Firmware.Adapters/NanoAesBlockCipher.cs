using System.Security.Cryptography;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Adapters
{
    /// <summary>
    /// The nanoFramework <see cref="IBlockCipher"/>: native AES (mbedTLS) in ECB mode over a batch of counter blocks,
    /// so a sealed model's CTR keystream costs one native call per batch, not per 16 bytes.
    /// </summary>
    public sealed class NanoAesBlockCipher : IBlockCipher
    {
        public byte[] EncryptBlocks(byte[] key, byte[] blocks)
        {
            Aes aes = new Aes(CipherMode.ECB);
            aes.Key = key;
            return aes.Encrypt(blocks);
        }
    }
}
