using System.Security.Cryptography;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Util;

public class StreamingDigestTests
{
    /// <summary>Feeds data in random pieces (including empty ones).</summary>
    private static void Feed(Action<byte[], int, int> update, byte[] data, Random rng)
    {
        int at = 0;
        while (at < data.Length)
        {
            int n = Math.Min(data.Length - at, rng.Next(0, 200));
            update(data, at, n);
            at += n;
        }
    }

    [Fact]
    public void Sha256_fed_in_any_pieces_equals_the_one_shot_digest_for_every_length_around_block_edges()
    {
        var rng = new Random(1);
        var hasher = new Sha256Hasher();
        for (int length = 0; length < 300; length++)
        {
            byte[] data = new byte[length];
            rng.NextBytes(data);
            Feed(hasher.Update, data, rng);
            Assert.Equal(SHA256.HashData(data), hasher.Final());
        }

        // Final resets: the hasher serves the next message.
        hasher.Update([1, 2, 3], 0, 3);
        Assert.Equal(SHA256.HashData([1, 2, 3]), hasher.Final());
    }

    [Fact]
    public void Hmac_sha256_fed_in_pieces_equals_the_platform_HMAC_for_short_block_sized_and_long_keys()
    {
        var rng = new Random(2);
        foreach (int keyLength in new[] { 0, 1, 16, 32, 63, 64, 65, 200 })
        {
            byte[] key = new byte[keyLength];
            rng.NextBytes(key);
            var mac = new HmacSha256Hasher(key);
            foreach (int length in new[] { 0, 1, 55, 56, 64, 1000, 5000 })
            {
                byte[] data = new byte[length];
                rng.NextBytes(data);
                Feed(mac.Update, data, rng);
                Assert.Equal(HMACSHA256.HashData(key, data), mac.Final());
            }
        }
    }

    [Fact]
    public void Ranges_outside_the_data_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sha256Hasher().Update(new byte[4], 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HmacSha256Hasher([1]).Update(new byte[4], -1, 1));
        Assert.Throws<ArgumentNullException>(() => new HmacSha256Hasher(null!));
    }
}
