using System.Security.Cryptography;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Util;

public class DigestTests
{
    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        byte[] data = "123456789"u8.ToArray();
        Assert.Equal(0xCBF43926u, Crc32.Compute(data, 0, data.Length));
    }

    [Fact]
    public void Sha256_matches_the_platform_implementation_for_every_length_up_to_300()
    {
        var rng = new Random(5);
        for (int n = 0; n <= 300; n++)
        {
            var data = new byte[n + 7];
            rng.NextBytes(data);
            Assert.Equal(SHA256.HashData(data.AsSpan(7, n)), Sha256.Compute(data, 7, n));
        }
    }
}
