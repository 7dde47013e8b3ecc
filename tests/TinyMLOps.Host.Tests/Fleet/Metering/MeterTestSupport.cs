using TinyMLOps.Firmware.Core.Metering;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Security;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Metering;

/// <summary>
/// Plays one device's receipt chain with the shared <see cref="UsageReceipt"/> API: receipt sequence, per-model
/// counters and the previous hash advance the way the device's do. Tests then tamper with what it makes.
/// </summary>
internal sealed class DeviceChain(string deviceId, byte[] key)
{
    private readonly Dictionary<string, ulong> _counters = [];
    private byte[] _head = new byte[32];

    public string DeviceId { get; } = deviceId;

    public byte[] Key { get; } = key;

    public uint Seq { get; private set; }

    public uint Clock { get; set; } = 1_767_225_600; // 2026-01-01

    public uint Boot { get; set; } = 1;

    /// <summary>Signs the next receipt of the chain covering <paramref name="count"/> inferences of the model.</summary>
    public UsageReceipt Next(string model, uint count, uint grace = 0, string? variant = null)
    {
        ulong first = _counters.GetValueOrDefault(model);
        var r = Make(Seq + 1, model, first, count, grace, variant);
        Commit(r);
        return r;
    }

    /// <summary>A receipt at the given position and range, signed but not made part of the chain.</summary>
    public UsageReceipt Make(uint seq, string model, ulong first, uint count, uint grace = 0, string? variant = null, byte[]? prevHash = null)
    {
        uint start = Clock;
        Clock += 60;
        var r = new UsageReceipt
        {
            DeviceId = DeviceId,
            ModelId = model,
            VariantId = variant ?? model + "-v1",
            ReceiptSeq = seq,
            First = first,
            Count = count,
            WindowStart = start,
            WindowEnd = Clock,
            BootCount = Boot,
            GraceCount = grace,
            PrevHash = prevHash ?? _head,
        };
        r.Sign(Key);
        return r;
    }

    /// <summary>Makes a receipt the chain's newest, as the device does after handing it over.</summary>
    public void Commit(UsageReceipt r)
    {
        Seq = r.ReceiptSeq;
        _head = r.Hash();
        _counters[r.ModelId] = Math.Max(_counters.GetValueOrDefault(r.ModelId), r.Limit);
    }

    /// <summary>Moves a model's counter, e.g. back to where a restored flash image had it.</summary>
    public void SetCounter(string model, ulong value) => _counters[model] = value;
}

/// <summary>A time the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A SQLite fleet store in a temporary folder, a key for every device, and helpers to store receipt messages.</summary>
internal sealed class LedgerFixture : IAsyncDisposable
{
    public static readonly byte[] MasterKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 29 + 7))];

    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly string _dir = Directory.CreateTempSubdirectory("tinymlops-meter-").FullName;
    private readonly Dictionary<string, long> _envelopeSeq = [];
    private readonly List<IFleetStore> _stores = [];

    public DeviceKeys Keys { get; } = new(MasterKey);

    public ManualTime Time { get; } = new(T0);

    public IFleetStore Store { get; private set; } = null!;

    public string DatabasePath => Path.Combine(_dir, "fleet.db");

    public static async Task<LedgerFixture> StartAsync()
    {
        var f = new LedgerFixture();
        f.Store = await f.OpenStoreAsync();
        return f;
    }

    /// <summary>Another store instance on the same file: a second worker, or the host after a restart.</summary>
    public async Task<IFleetStore> OpenStoreAsync()
    {
        var store = await FleetStoreFactory.OpenAsync(null, DatabasePath);
        _stores.Add(store);
        return store;
    }

    public DeviceChain Device(string deviceId) => new(deviceId, Keys.For(deviceId));

    public ReceiptLedger Ledger(IFleetStore? store = null, TimeSpan? grace = null) =>
        new(store ?? Store, Keys, new LedgerOptions { GapGrace = grace ?? TimeSpan.FromMinutes(15) }, Time);

    /// <summary>The ingest record of a receipt payload sent by a device, with the device's next envelope sequence.</summary>
    public IngestRecord Message(string fromDevice, byte[] payload, int kind = MessageKind.UsageReceipt)
    {
        long seq = _envelopeSeq.GetValueOrDefault(fromDevice) + 1;
        _envelopeSeq[fromDevice] = seq;
        return new IngestRecord("lab", fromDevice, seq, kind, (uint)Time.Now.ToUnixTimeSeconds(), Time.Now, payload);
    }

    /// <summary>Stores receipts as the ingest pipeline would (one message each, in the order given).</summary>
    public async Task<IReadOnlyList<IngestRecord>> SendAsync(string fromDevice, params UsageReceipt[] receipts)
    {
        var records = receipts.Select(r => Message(fromDevice, r.Encode())).ToList();
        await Store.IngestAsync(records);
        return records;
    }

    public async Task<IReadOnlyList<IngestRecord>> SendRawAsync(string fromDevice, params byte[][] payloads)
    {
        var records = payloads.Select(p => Message(fromDevice, p)).ToList();
        await Store.IngestAsync(records);
        return records;
    }

    /// <summary>A newer message of another kind (a heartbeat), which lets the ledger declare a gap.</summary>
    public Task SendHeartbeatAsync(string fromDevice)
    {
        var heartbeat = new HeartbeatPayload { UptimeSeconds = 1 };
        return Store.IngestAsync([Message(fromDevice, heartbeat.Encode(), MessageKind.Heartbeat) with { Heartbeat = heartbeat }]);
    }

    /// <summary>The billable inferences of a device and model.</summary>
    public async Task<long> BilledAsync(string deviceId, string model)
    {
        var bill = await Billing.ComputeAsync(Store, PriceList.Standard, new MeterUsageQuery());
        return bill.Lines.Where(l => l.DeviceId == deviceId && l.ModelId == model).Sum(l => l.Inferences);
    }

    public async Task<MeterReceiptRecord> RowAsync(string deviceId, long messageSeq) =>
        (await Store.MeterReceiptsAsync(deviceId)).Single(r => r.MessageSeq == messageSeq);

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>A device clock the test sets.</summary>
internal sealed class FixedClock : IClock
{
    public uint Now { get; set; }

    public long UptimeMillis => Now * 1000L;

    public uint UnixSeconds => Now;
}

/// <summary>A receipt sink that takes everything (an outbox with room).</summary>
internal sealed class ListSink : IReceiptSink
{
    public List<byte[]> Taken { get; } = [];

    public bool Offer(byte[] receiptEncoding)
    {
        Taken.Add((byte[])receiptEncoding.Clone());
        return true;
    }
}
