using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Tests.Protocol;

namespace TinyMLOps.Shared.Tests.Metering;

/// <summary>Valid, signed receipts and quota tokens, random but seeded.</summary>
internal static class MeterSamples
{
    public static byte[] Key(int seed) => ProtocolSamples.Bytes(new Random(seed), 32);

    private static ulong U64(Random rng) => rng.Next(4) switch
    {
        0 => 0,
        1 => ulong.MaxValue - (ulong)rng.Next(1, 1000),
        _ => (ulong)rng.NextInt64(0, long.MaxValue),
    };

    public static UsageReceipt Receipt(Random rng, byte[]? key = null)
    {
        uint count = rng.Next(3) == 0 ? uint.MaxValue : (uint)rng.Next(1, 5000);
        ulong first = U64(rng);
        if (first > ulong.MaxValue - count)
        {
            first = ulong.MaxValue - count;
        }

        uint start = ProtocolSamples.U32(rng);
        var receipt = new UsageReceipt
        {
            DeviceId = ProtocolSamples.DeviceId(rng),
            ModelId = "m" + ProtocolSamples.Text(rng, 200),
            VariantId = "v" + ProtocolSamples.Text(rng, 200),
            ReceiptSeq = Math.Max(1, ProtocolSamples.U32(rng)),
            First = first,
            Count = count,
            WindowStart = start,
            WindowEnd = start + (uint)rng.NextInt64(0, uint.MaxValue - (long)start + 1),
            BootCount = ProtocolSamples.U32(rng),
            QuotaTokenId = ProtocolSamples.U32(rng),
            GraceCount = (uint)rng.NextInt64(0, (long)count + 1),
            Flags = rng.Next(2),
            PrevHash = rng.Next(4) == 0 ? new byte[32] : ProtocolSamples.Bytes(rng, 32),
        };
        if (rng.Next(2) == 0)
        {
            uint observed = (uint)rng.NextInt64(0, (long)count + 1);
            receipt.Signals = new QuerySignals
            {
                Observed = observed,
                LowConfidence = (uint)rng.NextInt64(0, (long)observed + 1),
                OutOfDistribution = (uint)rng.NextInt64(0, (long)observed + 1),
                NearDuplicate = (uint)rng.NextInt64(0, (long)observed + 1),
                BaselinePerHour = ProtocolSamples.U32(rng),
            };
        }

        receipt.Sign(key ?? Key(rng.Next()));
        return receipt;
    }

    public static QuotaToken Token(Random rng, byte[]? key = null)
    {
        uint issued = ProtocolSamples.U32(rng);
        if (issued == uint.MaxValue)
        {
            issued--;
        }

        var token = new QuotaToken
        {
            DeviceId = ProtocolSamples.DeviceId(rng),
            ModelId = "m" + ProtocolSamples.Text(rng, 200),
            TokenId = Math.Max(1, ProtocolSamples.U32(rng)),
            Allowance = U64(rng),
            IssuedAt = issued,
            ExpiresAt = issued + (uint)rng.NextInt64(1, uint.MaxValue - (long)issued + 1),
            OverrunPolicy = rng.Next(1, 4),
            GraceAllowance = ProtocolSamples.U32(rng),
        };
        token.Sign(key ?? Key(rng.Next()));
        return token;
    }
}
