using TinyMLOps.Fleet.Metering;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>The host's fast tag and hash checks agree with the shared receipt API the device uses.</summary>
public sealed class ReceiptCryptoTests
{
    [Fact]
    public void The_host_tag_and_hash_agree_with_the_shared_receipt_api()
    {
        var d = new DeviceChain("dev-ü-1", Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray());
        for (int i = 0; i < 50; i++)
        {
            var r = d.Next(i % 2 == 0 ? "kws" : "modèle", (uint)(i * 977 + 1), grace: (uint)(i % 3));
            byte[] encoding = r.Encode();
            Assert.Equal(r.Hash(), ReceiptCrypto.Hash(encoding));
            Assert.True(ReceiptCrypto.VerifyTag(d.Key, encoding));

            // Any flipped bit, in the body or the tag, and any other key fail both checks alike.
            byte[] flipped = (byte[])encoding.Clone();
            flipped[i % encoding.Length] ^= (byte)(1 << (i % 8));
            Assert.False(ReceiptCrypto.VerifyTag(d.Key, flipped));
            Assert.False(ReceiptCrypto.VerifyTag(new byte[32], encoding));
            Assert.Equal(r.VerifyTag(new byte[32]), ReceiptCrypto.VerifyTag(new byte[32], encoding));
        }

        Assert.False(ReceiptCrypto.VerifyTag(d.Key, new byte[10]));
    }
}
