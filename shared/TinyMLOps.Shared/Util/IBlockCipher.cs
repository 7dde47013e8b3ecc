namespace TinyMLOps.Shared.Util
{
    /// <summary>
    /// The AES block function the portable code needs, behind the platform's native AES: ECB encryption of whole
    /// 16-byte blocks with a given key, no padding. <see cref="Model.SealedArtifact"/> builds CTR mode on it, so
    /// the sealing and opening code is the same on the host and on the device. Implementations: the nanoFramework
    /// one (firmware/TinyMLOps.Firmware.Adapters/NanoAesBlockCipher.cs, mbedTLS through Aes(CipherMode.ECB)) and
    /// the .NET one (host/TinyMLOps.Fleet/Security/DotNetAesBlockCipher.cs, Aes.EncryptEcb).
    /// </summary>
    public interface IBlockCipher
    {
        /// <summary>Encrypts blocks (a multiple of 16 bytes) with key (16 or 32 bytes) and returns the ciphertext, same length.</summary>
        byte[] EncryptBlocks(byte[] key, byte[] blocks);
    }
}
