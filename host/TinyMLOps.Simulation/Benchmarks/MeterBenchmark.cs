using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>
/// The ledger benchmark's result: receipts verified per second, with and without the store, next to the raw
/// HMAC-SHA256 rate of this machine on messages of the receipt tag's length, all from one run.
/// </summary>
public sealed record MeterReport(
    int Devices,
    int ReceiptsPerDevice,
    int ReceiptBytes,
    int TaggedMessageBytes,
    double HmacPerSecond,
    double VerifyPerSecond,
    double LedgerPerSecond,
    long Billed,
    long Expected)
{
    public int Receipts => Devices * ReceiptsPerDevice;

    /// <summary>Verification alone (decode, tag, hash, chain, ranges) as a fraction of raw HMAC.</summary>
    public double VerifyRatio => VerifyPerSecond / HmacPerSecond;

    /// <summary>The full ledger (verification and its SQLite commits) as a fraction of raw HMAC.</summary>
    public double LedgerRatio => LedgerPerSecond / HmacPerSecond;
}

/// <summary>
/// Ledger verification throughput. Signed receipt chains are built for D devices (two models each, the shared
/// <see cref="UsageReceipt"/> encoding). Then, in one run: (1) raw HMAC-SHA256 over messages of exactly the
/// length a receipt tag covers (domain string and body), (2) <see cref="ReceiptVerifier"/> alone over the same
/// receipts in passes of the ledger's batch size, in memory, (3) <see cref="ReceiptLedger"/> catching up from a
/// SQLite store holding them as ingested messages: reads, verification and the durable commits. Each timed stage
/// runs over every receipt; the best of <c>rounds</c> is kept for (1) and (2), the ledger runs once (it consumes).
/// </summary>
public static class MeterBenchmark
{
    private static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 31 + 17))];

    public static async Task<MeterReport> RunAsync(string directory, int devices, int receiptsPerDevice, int rounds = 3, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(receiptsPerDevice, 1);
        var keys = new DeviceKeys(MasterKey);
        progress?.Report($"signing {devices * receiptsPerDevice:N0} receipts");
        var chains = Enumerable.Range(0, devices).Select(d => Chain($"bench-{d:D5}", keys.For($"bench-{d:D5}"), receiptsPerDevice)).ToList();
        long expected = chains.Sum(c => c.Sum(m => (long)UsageReceipt.Decode(m.Payload).Count));
        byte[] sample = chains[0][0].Payload;
        int taggedBytes = Encoding.UTF8.GetByteCount(MeterTags.ReceiptDomain) + sample.Length - MeterTags.TagBytes;

        progress?.Report("raw HMAC-SHA256");
        double hmac = Best(rounds, () => Hmac(chains, keys, taggedBytes));

        progress?.Report("verification only");
        var options = new LedgerOptions();
        var verifier = new ReceiptVerifier(keys.For, options);
        double verify = Best(rounds, () => VerifyOnly(chains, verifier, options.BatchSize));

        progress?.Report("ledger on SQLite");
        string path = Path.Combine(directory, "meter-bench.db");
        double ledgerRate;
        long billed;
        await using (var store = await FleetStoreFactory.OpenAsync(null, path, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var chain in chains)
            {
                await store.IngestAsync(chain, cancellationToken).ConfigureAwait(false);
            }

            var ledger = new ReceiptLedger(store, keys, options);
            var clock = Stopwatch.StartNew();
            var totals = await ledger.CatchUpAsync(cancellationToken).ConfigureAwait(false);
            ledgerRate = totals.Classified / clock.Elapsed.TotalSeconds;
            billed = (await Billing.ComputeAsync(store, PriceList.Standard, new MeterUsageQuery(), cancellationToken).ConfigureAwait(false)).Inferences;
        }

        return new MeterReport(devices, receiptsPerDevice, sample.Length, taggedBytes, hmac, verify, ledgerRate, billed, expected);
    }

    /// <summary>One device's receipts as ingest records: two models alternating, ranges following each other.</summary>
    public static List<IngestRecord> Chain(string deviceId, byte[] key, int count)
    {
        var records = new List<IngestRecord>(count);
        var counters = new Dictionary<string, ulong>(StringComparer.Ordinal);
        byte[] prev = new byte[32];
        uint clock = 1_767_225_600;
        for (int i = 1; i <= count; i++)
        {
            string model = i % 2 == 0 ? "model-a" : "model-b";
            uint n = (uint)(1 + (i * 37 % 200));
            var r = new UsageReceipt
            {
                DeviceId = deviceId,
                ModelId = model,
                VariantId = model + "-w1",
                ReceiptSeq = (uint)i,
                First = counters.GetValueOrDefault(model),
                Count = n,
                WindowStart = clock,
                WindowEnd = clock + 3599,
                BootCount = 1,
                PrevHash = prev,
            };
            clock += 3600;
            r.Sign(key);
            byte[] encoding = r.Encode();
            prev = SHA256.HashData(encoding);
            counters[model] = r.Limit;
            records.Add(new IngestRecord("bench", deviceId, i, MessageKind.UsageReceipt, clock, DateTimeOffset.FromUnixTimeSeconds(clock), encoding));
        }

        return records;
    }

    private static double Hmac(List<List<IngestRecord>> chains, DeviceKeys keys, int taggedBytes)
    {
        // The same key per device and the same message length as the tag check (domain and body are 12 bytes shorter than the encoding).
        var messages = chains.Select(c => (Key: keys.For(c[0].DeviceId), Messages: c.Select(m => m.Payload[..taggedBytes]).ToList())).ToList();
        byte[] tag = new byte[32];
        var clock = Stopwatch.StartNew();
        int n = 0;
        foreach (var (key, list) in messages)
        {
            foreach (byte[] m in list)
            {
                HMACSHA256.HashData(key, m, tag);
                n++;
            }
        }

        return n / clock.Elapsed.TotalSeconds;
    }

    private static double VerifyOnly(List<List<IngestRecord>> chains, ReceiptVerifier verifier, int batch)
    {
        var empty = new Dictionary<long, IReadOnlyList<MeterReceiptRecord>>();
        var clock = Stopwatch.StartNew();
        int n = 0;
        foreach (var chain in chains)
        {
            var messages = chain.Select(r => new StoredMessage(r.DeviceId, r.Sequence, r.Kind, r.DeviceTimestamp, r.ReceivedAt, r.Payload)).ToList();
            var snapshot = new MeterSnapshot(MeterDeviceState.Initial(chain[0].DeviceId), [], [], [], messages[^1].Sequence);
            for (int i = 0; i < messages.Count; i += batch)
            {
                var result = verifier.Begin(snapshot, messages.GetRange(i, Math.Min(batch, messages.Count - i)), DateTimeOffset.UtcNow).Complete([], empty);
                if (result.Billable != Math.Min(batch, messages.Count - i))
                {
                    throw new InvalidOperationException("the benchmark's own receipts failed verification");
                }

                n += result.Billable;
                var models = snapshot.Models.ToDictionary(m => m.ModelId, StringComparer.Ordinal);
                foreach (var m in result.Commit.Models)
                {
                    models[m.ModelId] = m;
                }

                snapshot = snapshot with { Device = result.Commit.Device with { Version = snapshot.Device.Version + 1 }, Models = [.. models.Values] };
            }
        }

        return n / clock.Elapsed.TotalSeconds;
    }

    private static double Best(int rounds, Func<double> run)
    {
        double best = 0;
        for (int i = 0; i < Math.Max(1, rounds); i++)
        {
            best = Math.Max(best, run());
        }

        return best;
    }
}
