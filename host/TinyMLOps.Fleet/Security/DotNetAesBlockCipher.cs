using System.Security.Cryptography;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Fleet.Security;

/// <summary>
/// The .NET <see cref="IBlockCipher"/>: AES-ECB without padding (<see cref="Aes.EncryptEcb(byte[], PaddingMode)"/>).
/// The host seals variants with it, and the virtual boards open them with it, as the nanoFramework adapter does on a board.
/// </summary>
public sealed class DotNetAesBlockCipher : IBlockCipher
{
    public static readonly DotNetAesBlockCipher Instance = new();

    public byte[] EncryptBlocks(byte[] key, byte[] blocks)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(blocks);
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptEcb(blocks, PaddingMode.None);
    }
}
