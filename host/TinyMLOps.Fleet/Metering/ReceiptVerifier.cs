using System.Globalization;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Metering;

/// <summary>What one verification pass decided: the store commit and a count per reason.</summary>
public sealed record LedgerPassResult(MeterCommit Commit, IReadOnlyDictionary<ReceiptReason, int> Reasons, int Billable, int Pending)
{
    /// <summary>Whether the pass changes anything (a pass over nothing new with no gap to declare does not).</summary>
    public bool HasChanges =>
        Commit.Inserts.Count > 0 || Commit.Updates.Count > 0 || Commit.Findings.Count > 0 || Commit.ResolvedFindings.Count > 0 || Commit.Models.Count > 0;
}

/// <summary>
/// The verification rules of the ledger, without I/O: given a device's stored chain state and its new receipt
/// messages, classify each (docs/metering.md, "Host ledger"). Two steps, because some receipts need stored rows:
/// <see cref="Begin"/> decodes and checks tags and says which rows to look up; <see cref="VerificationPass.Complete"/>
/// runs the chain and produces the commit.
/// </summary>
public sealed class ReceiptVerifier
{
    private readonly Func<string, byte[]> _keyFor;
    private readonly LedgerOptions _options;

    /// <param name="keyFor">The per-device key (<see cref="Variants.DeviceKeys.For"/>).</param>
    public ReceiptVerifier(Func<string, byte[]> keyFor, LedgerOptions? options = null)
    {
        _keyFor = keyFor ?? throw new ArgumentNullException(nameof(keyFor));
        _options = options ?? new LedgerOptions();
    }

    public VerificationPass Begin(MeterSnapshot snapshot, IReadOnlyList<StoredMessage> incoming, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(incoming);
        return new VerificationPass(snapshot, incoming, now, _keyFor(snapshot.Device.DeviceId), _keyFor, _options);
    }
}

/// <summary>One pass of <see cref="ReceiptVerifier"/> over one device.</summary>
public sealed class VerificationPass
{
    private readonly MeterSnapshot _snapshot;
    private readonly DateTimeOffset _now;
    private readonly LedgerOptions _options;
    private readonly List<Item> _items = [];
    private readonly Dictionary<ReceiptReason, int> _reasons = [];
    private readonly List<MeterFindingRecord> _findings = [];
    private readonly Dictionary<string, MeterModelState> _models;
    private readonly HashSet<string> _changedModels = new(StringComparer.Ordinal);
    private long _next;
    private byte[] _head;
    private bool _flagged;
    private string _flagReason;
    private DateTimeOffset? _flaggedAt;

    // Where this pass raised the flag: receipts sent after that message, or chained after that position, are untrusted.
    private long _flagMessage = long.MaxValue;
    private long _flagChain = long.MaxValue;

    internal VerificationPass(MeterSnapshot snapshot, IReadOnlyList<StoredMessage> incoming, DateTimeOffset now, byte[] key, Func<string, byte[]> keyFor, LedgerOptions options)
    {
        _snapshot = snapshot;
        _now = now;
        _options = options;
        _next = snapshot.Device.NextSeq;
        _head = snapshot.Device.HeadHash;
        _flagged = snapshot.Device.Flagged;
        _flagReason = snapshot.Device.FlagReason;
        _flaggedAt = snapshot.Device.FlaggedAt;
        if (_flagged)
        {
            _flagMessage = _flagChain = long.MinValue;
        }
        _models = snapshot.Models.ToDictionary(m => m.ModelId, StringComparer.Ordinal);

        foreach (MeterReceiptRecord held in snapshot.Pending)
        {
            _items.Add(Item.FromStored(held));
        }

        foreach (StoredMessage message in incoming.OrderBy(m => m.Sequence))
        {
            _items.Add(Item.FromMessage(message, key, keyFor));
        }

        var lookUp = new HashSet<long>();
        var ranges = new List<(long, string, long, long)>();
        foreach (Item item in _items.Where(i => i.Receipt != null && i.Receipt.ReceiptSeq < _next))
        {
            // Positions the chain passed: stored rows there make this a replay, a fork or a late fill. Ahead of the
            // chain the only rows are the held ones, which the snapshot has.
            long seq = item.Receipt!.ReceiptSeq;
            lookUp.Add(seq);
            if (InOpenGap(seq) is not null)
            {
                lookUp.Add(seq - 1);
                lookUp.Add(seq + 1);
                ranges.Add((item.MessageSeq, item.Receipt.ModelId, (long)item.Receipt.First, (long)item.Receipt.Limit));
            }
        }

        // Every position of an open gap, to tell when it has filled.
        foreach (MeterFindingRecord gap in snapshot.OpenGaps)
        {
            for (long s = gap.ReceiptSeq; s <= gap.LastReceiptSeq && s < gap.ReceiptSeq + 10_000; s++)
            {
                lookUp.Add(s);
            }
        }

        SeqsToLookUp = lookUp;
        RangesToLookUp = ranges;
    }

    /// <summary>Receipt sequences whose stored rows <see cref="Complete"/> needs (for replays, forks and late fills).</summary>
    public IReadOnlyCollection<long> SeqsToLookUp { get; }

    /// <summary>Per late receipt (by message sequence): the model range whose billed overlaps <see cref="Complete"/> needs.</summary>
    public IReadOnlyList<(long MessageSeq, string ModelId, long First, long Limit)> RangesToLookUp { get; }

    /// <summary>Runs the chain over the held and new receipts and returns what to commit (once per pass).</summary>
    /// <param name="known">Stored rows of <see cref="SeqsToLookUp"/>.</param>
    /// <param name="overlaps">Stored billable rows overlapping each of <see cref="RangesToLookUp"/>, by message sequence.</param>
    public LedgerPassResult Complete(IReadOnlyList<MeterReceiptRecord> known, IReadOnlyDictionary<long, IReadOnlyList<MeterReceiptRecord>> overlaps)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(overlaps);

        // Chain rows by position, and every tag-valid receipt by position (for replays and forks).
        var chain = new Dictionary<long, (byte[] Hash, byte[] PrevHash, long MessageSeq)>();
        var seen = new Dictionary<long, List<(byte[] Hash, long MessageSeq, string Range)>>();
        var heldIds = new HashSet<long>(_snapshot.Pending.Select(p => p.MessageSeq));
        foreach (MeterReceiptRecord r in known.Where(r => !heldIds.Contains(r.MessageSeq)))
        {
            if (r.InChain)
            {
                chain[r.ReceiptSeq] = (r.Hash, r.PrevHash, r.MessageSeq);
            }

            if (HoldsPosition(r))
            {
                Seen(seen, r.ReceiptSeq).Add((r.Hash, r.MessageSeq, Range(r.ModelId, r.First, r.Limit)));
            }
        }

        ClassifyArrivals(seen);
        FillLate(chain, overlaps);
        RunChain();
        ResolveGaps(chain, out List<long> resolved);

        var inserts = new List<MeterReceiptRecord>();
        var updates = new List<MeterReceiptUpdate>();
        int billable = 0, pending = 0;
        foreach (Item item in _items)
        {
            item.Status ??= MeterStatus.Pending;
            if (item.Status == MeterStatus.Pending)
            {
                pending++;
                item.Reason = item.Reason == ReceiptReason.None ? ReceiptReason.Reordered : item.Reason;
            }

            // Only what this pass decided counts: a receipt still held is not counted again.
            if (item.Stored is { } stored)
            {
                if (stored.Status != item.Status || stored.Reason != item.Reason.ToString() || stored.InChain != item.InChain || stored.Detail != item.Detail)
                {
                    updates.Add(new MeterReceiptUpdate(item.MessageSeq, item.Status, item.Reason.ToString(), item.Detail, item.InChain));
                    billable += item.Status == MeterStatus.Accepted ? 1 : 0;
                    Count(item.Reason);
                }
            }
            else
            {
                inserts.Add(item.ToRecord(_snapshot.Device.DeviceId, _now));
                billable += item.Status == MeterStatus.Accepted ? 1 : 0;
                Count(item.Reason);
            }
        }

        var device = _snapshot.Device with { NextSeq = _next, HeadHash = _head, Flagged = _flagged, FlagReason = _flagReason, FlaggedAt = _flaggedAt };
        var commit = new MeterCommit(
            _snapshot.Device.Version,
            device,
            [.. _changedModels.Select(m => _models[m])],
            inserts,
            updates,
            _findings,
            resolved);
        return new LedgerPassResult(commit, _reasons, billable, pending);
    }

    // ---- step 1: what each arrival is, before the chain ----

    private void ClassifyArrivals(Dictionary<long, List<(byte[] Hash, long MessageSeq, string Range)>> seen)
    {
        // Held receipts first (they came earlier), then the new ones in message order.
        foreach (Item item in _items.Where(i => i.Stored != null).Concat(_items.Where(i => i.Stored == null)))
        {
            if (item.Stored == null && item.Status != null)
            {
                Finding(item.Reason, item.ReceiptSeq, item.ReceiptSeq, item.MessageSeq, item.Detail, chained: false); // failed decode, device or tag
                continue;
            }

            UsageReceipt r = item.Receipt!;
            if (item.Stored == null)
            {
                var same = seen.TryGetValue(r.ReceiptSeq, out var list) ? list : null;
                if (same?.FirstOrDefault(s => s.Hash.AsSpan().SequenceEqual(item.Hash)) is { Hash: not null } twin)
                {
                    Decide(item, MeterStatus.Replay, ReceiptReason.Replay, $"identical to the receipt of message {twin.MessageSeq}: recorded, billed once");
                    continue;
                }

                if (same is { Count: > 0 })
                {
                    var first = same[0];
                    string rollback = _models.TryGetValue(r.ModelId, out var m) && (long)r.First < m.ClaimedLimit
                        ? $"; its range starts below the {m.ClaimedLimit:N0} already claimed for {r.ModelId}, as after a flash image restored from a backup"
                        : string.Empty;
                    Reject(item, ReceiptReason.Fork, chained: false, $"receipt {r.ReceiptSeq} is already held by message {first.MessageSeq} (hash {Hex(first.Hash)}, {first.Range}); this one (hash {Hex(item.Hash)}, {Range(r)}) has a valid tag too: the device signed two receipts at one position{rollback}");
                    continue;
                }
            }

            Seen(seen, r.ReceiptSeq).Add((item.Hash, item.MessageSeq, Range(r)));
            if (r.ReceiptSeq < _next && InOpenGap(r.ReceiptSeq) is null)
            {
                Reject(item, ReceiptReason.Late, chained: false, $"receipt {r.ReceiptSeq} arrived after the chain passed its position (next expected {_next}) outside any open gap");
            }
        }
    }

    // ---- step 2: receipts that fill a declared gap, placed by their chain neighbours ----

    private void FillLate(Dictionary<long, (byte[] Hash, byte[] PrevHash, long MessageSeq)> chain, IReadOnlyDictionary<long, IReadOnlyList<MeterReceiptRecord>> overlaps)
    {
        var placed = new List<Item>();
        bool progress = true;
        while (progress)
        {
            progress = false;
            foreach (Item item in _items.Where(i => i.Status == null && i.Receipt!.ReceiptSeq < _next).OrderByDescending(i => i.Receipt!.ReceiptSeq).ToList())
            {
                UsageReceipt r = item.Receipt!;
                long seq = r.ReceiptSeq;
                if (!chain.TryGetValue(seq + 1, out var upper) && seq + 1 < _next)
                {
                    continue; // its successor is missing too: it may still come
                }

                byte[] upperPrev = seq + 1 < _next ? upper.PrevHash : _head;
                if (!upperPrev.AsSpan().SequenceEqual(item.Hash))
                {
                    Reject(item, ReceiptReason.ChainBroken, $"receipt {seq + 1} names previous hash {Hex(upperPrev)}, but this receipt {seq} hashes to {Hex(item.Hash)}");
                    progress = true;
                    continue;
                }

                if (chain.TryGetValue(seq - 1, out var lower) && !lower.Hash.AsSpan().SequenceEqual(r.PrevHash))
                {
                    Reject(item, ReceiptReason.ChainBroken, $"receipt {seq} names previous hash {Hex(r.PrevHash)}, but receipt {seq - 1} (message {lower.MessageSeq}) hashes to {Hex(lower.Hash)}");
                    progress = true;
                    continue;
                }

                long first = (long)r.First, limit = (long)r.Limit;
                var clash = (overlaps.TryGetValue(item.MessageSeq, out var stored) ? stored.Select(o => (Model: o.ModelId, First: o.First, Limit: o.Limit, Seq: o.ReceiptSeq)) : [])
                    .Concat(placed.Select(p => (Model: p.Receipt!.ModelId, First: (long)p.Receipt.First, Limit: (long)p.Receipt.Limit, Seq: (long)p.Receipt.ReceiptSeq)))
                    .FirstOrDefault(o => o.Model == r.ModelId && o.First < limit && o.Limit > first);
                bool beyond = !_models.TryGetValue(r.ModelId, out var model) || limit > model.ClaimedLimit;
                if (clash.Model != null || beyond)
                {
                    string why = clash.Model != null
                        ? $"its range {Range(r)} overlaps [{clash.First:N0}, {clash.Limit:N0}) of receipt {clash.Seq}"
                        : $"its range {Range(r)} reaches past the {(model?.ClaimedLimit ?? 0):N0} claimed for {r.ModelId} by later receipts";
                    Reject(item, ReceiptReason.Overlap, $"late receipt {seq}: {why}");
                    progress = true;
                    continue;
                }

                Decide(item, Billable(item), ReceiptReason.LateFill, $"arrived after its gap was declared; placed by the hash link of receipt {seq + 1}");
                item.InChain = true;
                chain[seq] = (item.Hash, r.PrevHash, item.MessageSeq);
                placed.Add(item);
                progress = true;
            }
        }
    }

    // ---- step 3: the chain, in receipt order ----

    private void RunChain()
    {
        // Undecided receipts at or after the head, by position (step 1 left at most one per position).
        var waiting = new Dictionary<long, Item>();
        foreach (Item item in _items.Where(i => i.Status == null && i.Receipt!.ReceiptSeq >= _next))
        {
            waiting[item.Receipt!.ReceiptSeq] = item;
        }

        while (waiting.Count > 0)
        {
            if (waiting.Remove(_next, out Item? head))
            {
                Apply(head);
                continue;
            }

            // The lowest held receipt waits for the ones before it; past the grace, and once the device sent newer messages, they are a gap.
            Item lowest = waiting.Values.MinBy(i => i.Receipt!.ReceiptSeq)!;
            DateTimeOffset heldSince = lowest.Stored?.ProcessedAt ?? _now;
            if (_snapshot.NewestMessageSeq <= lowest.MessageSeq || _now - heldSince < _options.GapGrace)
            {
                return;
            }

            long missingTo = lowest.Receipt!.ReceiptSeq - 1;
            Finding(
                ReceiptReason.Gap,
                _next,
                missingTo,
                lowest.MessageSeq,
                $"receipts {_next}..{missingTo} missing since {heldSince:u} while the device sent newer messages (up to message {_snapshot.NewestMessageSeq}); the chain resumes at receipt {lowest.Receipt.ReceiptSeq} on its previous-hash claim {Hex(lowest.Receipt.PrevHash)}",
                chained: true);
            Count(ReceiptReason.Gap);
            _next = lowest.Receipt.ReceiptSeq;
            _head = lowest.Receipt.PrevHash;
        }
    }

    private void Apply(Item item)
    {
        UsageReceipt r = item.Receipt!;
        item.InChain = true;
        long first = (long)r.First, limit = (long)r.Limit;
        MeterModelState model = _models.TryGetValue(r.ModelId, out var m) ? m : new MeterModelState(_snapshot.Device.DeviceId, r.ModelId, 0, -1, 0, -1);
        if (!r.PrevHash.AsSpan().SequenceEqual(_head))
        {
            Reject(item, ReceiptReason.ChainBroken, $"receipt {r.ReceiptSeq} names previous hash {Hex(r.PrevHash)}, but receipt {r.ReceiptSeq - 1} hashes to {Hex(_head)}");
            SetModel(model with { ClaimedLimit = Math.Max(model.ClaimedLimit, limit) });
        }
        else if (first < model.ClaimedLimit)
        {
            bool rollback = first <= model.LastFirst || model.LastFirst < 0;
            Reject(
                item,
                rollback ? ReceiptReason.CounterRollback : ReceiptReason.Overlap,
                rollback
                    ? $"{r.ModelId} range {Range(r)} starts at or below {Math.Max(model.LastFirst, 0):N0}, the start of its last billed range (claimed up to {model.ClaimedLimit:N0}): the counter went back, e.g. a flash image restored from a backup"
                    : $"{r.ModelId} range {Range(r)} overlaps [{model.LastFirst:N0}, {model.ClaimedLimit:N0}) already claimed");
            SetModel(model with { ClaimedLimit = Math.Max(model.ClaimedLimit, limit) });
        }
        else
        {
            ReceiptReason annotation = item.Reason == ReceiptReason.Reordered || item.Stored != null ? ReceiptReason.Reordered : ReceiptReason.None;
            string detail = annotation == ReceiptReason.Reordered ? "arrived ahead of a missing receipt; verified once the gap filled" : string.Empty;
            bool sameBoot = model.LastBoot == r.BootCount;
            if (first > model.ClaimedLimit)
            {
                annotation = ReceiptReason.RangeGap;
                detail = $"{r.ModelId} counter values [{model.ClaimedLimit:N0}, {first:N0}) were never receipted ({first - model.ClaimedLimit:N0} inferences not billed)";
                Finding(ReceiptReason.RangeGap, r.ReceiptSeq, r.ReceiptSeq, item.MessageSeq, detail, chained: true);
            }

            if (sameBoot && r.WindowStart < model.LastWindowStart)
            {
                // The counter range continues the billed one exactly, so billing it bills no value twice; only the
                // time went back. A range cut after a restart has no exact start: its window starts when its block
                // was reserved, which precedes the previous receipt's window when that one was cut inside the block.
                ReceiptReason window = r.Recovered ? ReceiptReason.RecoveredOverlap : ReceiptReason.WindowRegression;
                string why = r.Recovered
                    ? $"{r.ModelId} recovered range {Range(r)} continues the billed counter, but its window start {r.WindowStart} (when its block was reserved, before the restart) precedes {model.LastWindowStart}, the previous receipt's in boot {r.BootCount}: billed, the window is a lower bound"
                    : $"{r.ModelId} range {Range(r)} continues the billed counter, but its window starts at {r.WindowStart}, before {model.LastWindowStart}, the previous receipt's in boot {r.BootCount} (a range cut after a planned restart starts when its block was reserved; or the clock went back): billed";
                Finding(window, r.ReceiptSeq, r.ReceiptSeq, item.MessageSeq, why, chained: true);
                (annotation, detail) = annotation == ReceiptReason.RangeGap ? (annotation, $"{detail}; {why}") : (window, why);
            }

            Decide(item, Billable(item), annotation, detail);

            // Keeps the latest window start of the boot, so a recovered lower bound does not loosen the check for later receipts.
            long windowStart = sameBoot ? Math.Max(model.LastWindowStart, r.WindowStart) : r.WindowStart;
            SetModel(model with { ClaimedLimit = limit, LastFirst = first, LastWindowStart = windowStart, LastBoot = r.BootCount });
        }

        _head = item.Hash;
        _next++;
    }

    private void ResolveGaps(Dictionary<long, (byte[] Hash, byte[] PrevHash, long MessageSeq)> chain, out List<long> resolved)
    {
        resolved = [];
        foreach (MeterFindingRecord gap in _snapshot.OpenGaps)
        {
            bool filled = true;
            for (long s = gap.ReceiptSeq; s <= gap.LastReceiptSeq && filled; s++)
            {
                filled = chain.ContainsKey(s);
            }

            if (filled)
            {
                resolved.Add(gap.FindingId);
            }
        }
    }

    // ---- helpers ----

    private string Billable(Item item) =>
        item.MessageSeq > _flagMessage || item.ReceiptSeq > _flagChain ? MeterStatus.Untrusted : MeterStatus.Accepted;

    private MeterFindingRecord? InOpenGap(long seq) => _snapshot.OpenGaps.FirstOrDefault(g => seq >= g.ReceiptSeq && seq <= g.LastReceiptSeq);

    private void SetModel(MeterModelState model)
    {
        _models[model.ModelId] = model;
        _changedModels.Add(model.ModelId);
    }

    private void Decide(Item item, string status, ReceiptReason reason, string detail)
    {
        item.Status = status;
        item.Reason = reason;
        item.Detail = detail;
    }

    private void Reject(Item item, ReceiptReason reason, string detail) => Reject(item, reason, chained: true, detail);

    /// <param name="chained">Whether the finding is about the receipt's chain position (then later positions are untrusted too).</param>
    private void Reject(Item item, ReceiptReason reason, bool chained, string detail)
    {
        Decide(item, MeterStatus.Rejected, reason, detail);
        long seq = item.ReceiptSeq;
        Finding(reason, seq, seq, item.MessageSeq, detail, chained);
    }

    private void Finding(ReceiptReason reason, long seq, long lastSeq, long messageSeq, string detail, bool chained)
    {
        bool serious = ReceiptReasons.IsSerious(reason);
        _findings.Add(new MeterFindingRecord(0, _snapshot.Device.DeviceId, reason.ToString(), serious, seq, lastSeq, messageSeq, detail, _now, null));
        if (!serious)
        {
            return;
        }

        _flagMessage = Math.Min(_flagMessage, messageSeq);
        _flagChain = chained ? Math.Min(_flagChain, seq) : _flagChain;
        if (!_flagged)
        {
            _flagged = true;
            _flagReason = $"{reason} at receipt {seq} (message {messageSeq})";
            _flaggedAt = _now;
        }
    }

    private void Count(ReceiptReason reason) => _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;

    private static List<(byte[] Hash, long MessageSeq, string Range)> Seen(Dictionary<long, List<(byte[] Hash, long MessageSeq, string Range)>> seen, long seq)
    {
        if (!seen.TryGetValue(seq, out var list))
        {
            list = [];
            seen[seq] = list;
        }

        return list;
    }

    // Rows whose receipt had a valid tag and its own device: the ones a later receipt at that position repeats or forks.
    private static bool HoldsPosition(MeterReceiptRecord r) =>
        ReceiptReasons.Parse(r.Reason) is not (ReceiptReason.Malformed or ReceiptReason.WrongDevice or ReceiptReason.BadTag) && r.ReceiptSeq > 0 && r.Status != MeterStatus.Replay;

    internal static string Hex(byte[] hash) => Convert.ToHexStringLower(hash.AsSpan(0, Math.Min(8, hash.Length)));

    private static string Range(UsageReceipt r) => Range(r.ModelId, (long)r.First, (long)r.Limit);

    private static string Range(string model, long first, long limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{model} [{first:N0}, {limit:N0})");

    /// <summary>One receipt message in this pass: held from an earlier pass, or new.</summary>
    private sealed class Item
    {
        public long MessageSeq;
        public DateTimeOffset ReceivedAt;
        public UsageReceipt? Receipt;
        public byte[] Hash = [];
        public MeterReceiptRecord? Stored;
        public string? Status;
        public ReceiptReason Reason;
        public string Detail = string.Empty;
        public bool InChain;

        public long ReceiptSeq => Receipt?.ReceiptSeq ?? Stored?.ReceiptSeq ?? 0;

        public static Item FromStored(MeterReceiptRecord held)
        {
            // Held rows passed the tag check when they arrived; their fields are rebuilt for the chain.
            var receipt = new UsageReceipt
            {
                DeviceId = held.DeviceId,
                ModelId = held.ModelId,
                VariantId = held.VariantId,
                ReceiptSeq = (uint)held.ReceiptSeq,
                First = (ulong)held.First,
                Count = (uint)held.Count,
                WindowStart = (uint)held.WindowStart,
                WindowEnd = (uint)held.WindowEnd,
                BootCount = (uint)held.BootCount,
                QuotaTokenId = (uint)held.QuotaTokenId,
                GraceCount = (uint)held.GraceCount,
                Flags = held.Flags,
                PrevHash = held.PrevHash,
            };
            return new Item { MessageSeq = held.MessageSeq, ReceivedAt = held.ReceivedAt, Receipt = receipt, Hash = held.Hash, Stored = held, Reason = ReceiptReasons.Parse(held.Reason), Detail = held.Detail };
        }

        public static Item FromMessage(StoredMessage message, byte[] key, Func<string, byte[]> keyFor)
        {
            var item = new Item { MessageSeq = message.Sequence, ReceivedAt = message.ReceivedAt };
            UsageReceipt r;
            try
            {
                r = UsageReceipt.Decode(message.Payload);
                if (r.First > (ulong)(long.MaxValue - r.Count))
                {
                    throw new ProtocolException(RejectReason.BadPayload, "usage-receipt: counter range beyond 2^63");
                }
            }
            catch (ProtocolException e)
            {
                item.Hash = ReceiptCrypto.Hash(message.Payload);
                item.Status = MeterStatus.Rejected;
                item.Reason = ReceiptReason.Malformed;
                item.Detail = $"{message.Payload.Length} bytes do not decode: {e.Message}";
                return item;
            }

            // The payload is the receipt's canonical encoding, so hash and tag are checked over it as received.
            item.Receipt = r;
            item.Hash = ReceiptCrypto.Hash(message.Payload);
            if (r.DeviceId != message.DeviceId)
            {
                bool theirs = ReceiptCrypto.VerifyTag(keyFor(r.DeviceId), message.Payload);
                item.Status = MeterStatus.Rejected;
                item.Reason = ReceiptReason.WrongDevice;
                item.Detail = $"receipt {r.ReceiptSeq} names device '{r.DeviceId}' but came from '{message.DeviceId}'" + (theirs ? $"; it carries a valid tag of '{r.DeviceId}': a copy of that device's receipt" : "; its tag is not valid for that device either");
                return item;
            }

            if (!ReceiptCrypto.VerifyTag(key, message.Payload))
            {
                item.Status = MeterStatus.Rejected;
                item.Reason = ReceiptReason.BadTag;
                item.Detail = $"receipt {r.ReceiptSeq} ({Range(r)}) does not carry the device key's tag: forged or altered";
            }

            return item;
        }

        public MeterReceiptRecord ToRecord(string deviceId, DateTimeOffset now)
        {
            UsageReceipt? r = Receipt;
            long windowEnd = r?.WindowEnd ?? 0;
            long billedAt = Math.Min(windowEnd, ReceivedAt.ToUnixTimeSeconds());
            return new MeterReceiptRecord(
                deviceId,
                MessageSeq,
                r?.ReceiptSeq ?? 0,
                r?.ModelId ?? string.Empty,
                r?.VariantId ?? string.Empty,
                (long)(r?.First ?? 0),
                r?.Count ?? 0,
                r?.GraceCount ?? 0,
                r?.WindowStart ?? 0,
                windowEnd,
                r?.BootCount ?? 0,
                r?.QuotaTokenId ?? 0,
                r?.Flags ?? 0,
                Hash,
                r?.PrevHash ?? new byte[32],
                Status!,
                Reason.ToString(),
                Detail,
                InChain,
                ReceivedAt,
                billedAt,
                now);
        }
    }
}
