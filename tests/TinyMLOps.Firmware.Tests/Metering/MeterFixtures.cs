using System.Security.Cryptography;
using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Metering;

internal static class MeterKeys
{
    public const string DeviceId = "dev-1";

    public static readonly byte[] Device = Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 3)).ToArray();

    public static readonly byte[] Other = Enumerable.Range(0, 32).Select(i => (byte)(i * 11 + 5)).ToArray();

    public static QuotaToken Token(uint id, string model = "kws", ulong allowance = 100, int policy = QuotaToken.PolicyRefuse, uint grace = 0,
        uint issuedAt = 1_700_000_000, uint expiresAt = 1_800_000_000, string deviceId = DeviceId, byte[]? key = null)
    {
        var token = new QuotaToken
        {
            DeviceId = deviceId,
            ModelId = model,
            TokenId = id,
            Allowance = allowance,
            IssuedAt = issuedAt,
            ExpiresAt = expiresAt,
            OverrunPolicy = policy,
            GraceAllowance = grace,
        };
        token.Sign(key ?? Device);
        return token;
    }
}

/// <summary>A sink that keeps what it takes in memory (a host that got every receipt), and can refuse.</summary>
internal sealed class ListSink : IReceiptSink
{
    public List<byte[]> Taken { get; } = [];

    public bool Refusing { get; set; }

    public int Offers { get; private set; }

    public bool Offer(byte[] receiptEncoding)
    {
        Offers++;
        if (Refusing)
        {
            return false;
        }

        Taken.Add((byte[])receiptEncoding.Clone());
        return true;
    }
}

/// <summary>The real outbox as the sink, on the same storage, so power cuts hit its writes too.</summary>
internal sealed class OutboxSink(Outbox outbox) : IReceiptSink
{
    public Outbox Outbox { get; } = outbox;

    public bool Offer(byte[] receiptEncoding) =>
        Outbox.Enqueue(MessageKind.UsageReceipt, receiptEncoding, 1_700_000_000, false).Accepted;

    /// <summary>The receipt payloads of every pending entry, oldest first.</summary>
    public List<byte[]> Receipts()
    {
        var list = new List<byte[]>();
        for (int i = 0; i < Outbox.PendingCount; i++)
        {
            var message = WireCodec.Decode(Outbox.ReadEncoded(Outbox.GetPending(i)));
            Assert.Equal(MessageKind.UsageReceipt, message.Kind);
            list.Add(message.Payload);
        }

        return list;
    }
}

/// <summary>What the host's ledger checks, reduced to what the device promises.</summary>
internal static class ReceiptLedger
{
    /// <summary>
    /// Deduplicates by receipt seq (a copy must be byte-identical), then checks seqs 1..n, the hash chain, every tag,
    /// and that each model's ranges follow each other from 0 with no gap or overlap. Returns the receipts in seq order.
    /// </summary>
    public static List<UsageReceipt> Verify(IEnumerable<byte[]> received, byte[]? key = null, string deviceId = MeterKeys.DeviceId)
    {
        key ??= MeterKeys.Device;
        var bySeq = new SortedDictionary<uint, byte[]>();
        foreach (byte[] bytes in received)
        {
            var r = UsageReceipt.Decode(bytes);
            if (bySeq.TryGetValue(r.ReceiptSeq, out var earlier))
            {
                Assert.True(earlier.SequenceEqual(bytes), "receipt seq " + r.ReceiptSeq + " came twice with different bytes");
            }
            else
            {
                bySeq[r.ReceiptSeq] = bytes;
            }
        }

        var chain = new List<UsageReceipt>();
        byte[] prev = new byte[32];
        var next = new Dictionary<string, ulong>();
        uint expected = 1;
        foreach (var (seq, bytes) in bySeq)
        {
            Assert.Equal(expected++, seq);
            var r = UsageReceipt.Decode(bytes);
            Assert.True(r.VerifyTag(key), "tag of receipt " + seq);
            Assert.Equal(deviceId, r.DeviceId);
            Assert.Equal(prev, r.PrevHash);
            prev = SHA256.HashData(bytes);
            Assert.Equal(next.GetValueOrDefault(r.ModelId), r.First);
            next[r.ModelId] = r.Limit;
            chain.Add(r);
        }

        return chain;
    }

    public static ulong Covered(List<UsageReceipt> chain, string model) =>
        chain.Where(r => r.ModelId == model).Aggregate(0UL, (sum, r) => sum + r.Count);
}
