using System;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Protection;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>
    /// Metered inference on the device (docs/metering.md): what the runtime and the sync loop call. Before an inference,
    /// <see cref="Decide(string)"/> asks the quota and reserves a counter value durably; after it,
    /// <see cref="Count"/> counts it (no flash write inside a reserved block); <see cref="Poll"/> and
    /// <see cref="Flush"/> cut signed receipts into the sink (the outbox).
    /// </summary>
    public sealed class DeviceMeter
    {
        private readonly IClock _clock;
        private readonly IReceiptSink _sink;

        public DeviceMeter(IStorage storage, string deviceId, byte[] deviceKey, uint bootCount, IClock clock, IReceiptSink sink, MeterOptions options)
        {
            if (storage == null || clock == null || sink == null)
            {
                throw new ArgumentNullException(storage == null ? "storage" : (clock == null ? "clock" : "sink"));
            }

            if (options == null)
            {
                options = new MeterOptions();
            }

            if (options.MaxModels < 1 || options.MaxModels > 255 || options.MaxReceiptCount < 1 || options.MaxTokensPerModel < 1 || options.MaxTokensPerModel > 255)
            {
                throw new ArgumentException("meter options out of range");
            }

            if (!InferenceCounter.IsValidId(deviceId))
            {
                throw new ArgumentException("a device id is required");
            }

            Options = options;
            _clock = clock;
            _sink = sink;
            Counter = new InferenceCounter(storage, options.CounterFile, bootCount, options);
            Pattern = options.Signals != null && options.Signals.Enabled ? new QueryPattern() : null;
            Receipts = new ReceiptChain(storage, options.ChainFile, deviceId, deviceKey, Counter, options, clock.UnixSeconds, Pattern);
            Quota = new QuotaGuard(storage, options.QuotaFile, deviceId, deviceKey, Counter, clock, options);
        }

        /// <summary>The tunables; <see cref="MeterOptions.RequireToken"/>, the receipt limits and the block size may be changed at run time.</summary>
        public MeterOptions Options { get; private set; }

        public InferenceCounter Counter { get; private set; }

        public ReceiptChain Receipts { get; private set; }

        public QuotaGuard Quota { get; private set; }

        /// <summary>The extraction signals and rate baseline the receipts carry; null when signals are off.</summary>
        public QueryPattern Pattern { get; private set; }

        /// <summary>Inferences counted since open.</summary>
        public int Counted { get; private set; }

        /// <summary>Decisions other than allow, since open.</summary>
        public int Refused { get; private set; }

        public int FreeVariantDecisions { get; private set; }

        /// <summary>Flash mutations of the counter, the chain head and the quota state since open.</summary>
        public int FlashWrites
        {
            get { return Counter.FlashWrites + Receipts.FlashWrites + Quota.FlashWrites; }
        }

        /// <summary>Receipts the sink took since open.</summary>
        public int ReceiptsEmitted
        {
            get { return Receipts.HandedOver; }
        }

        public uint LastReceiptSeq
        {
            get { return Receipts.LastSeq; }
        }

        /// <summary>The model's counter: values below it are counted (0 for a model never counted).</summary>
        public ulong CounterOf(string modelId)
        {
            return Counter.Next(modelId);
        }

        public ulong ReceiptedUpTo(string modelId)
        {
            return Receipts.ReceiptedUpTo(modelId);
        }

        /// <summary>The decision for the model's next inference, by the device clock, for the variant counted last.</summary>
        public MeterDecision Decide(string modelId)
        {
            return Decide(modelId, null, _clock.UnixSeconds);
        }

        /// <summary>
        /// The <see cref="MeterDecision"/> for the model's next inference. When it runs (allow, or allow on grace),
        /// its counter value is durably reserved before this returns, so counting it afterwards needs no write
        /// and a power loss during the inference over-counts instead of under-counting.
        /// </summary>
        public MeterDecision Decide(string modelId, string variantId, uint nowUnix)
        {
            if (!Counter.CanMeter(modelId))
            {
                Refused++;
                return MeterDecision.Refuse;
            }

            uint tokenId;
            bool grace;
            MeterDecision decision = Quota.Decide(modelId, nowUnix, out tokenId, out grace);
            if (MeterDecisions.Runs(decision))
            {
                Counter.Reserve(modelId, VariantFor(modelId, variantId), tokenId, grace, nowUnix);
            }
            else if (decision == MeterDecision.UseFreeVariant)
            {
                FreeVariantDecisions++;
            }
            else
            {
                Refused++;
            }

            return decision;
        }

        /// <summary>
        /// Counts one inference of the variant (call it after a run that <see cref="Decide(string)"/> allowed);
        /// returns its counter value. Cuts a receipt at once when the range is full.
        /// </summary>
        public ulong Count(string modelId, string variantId, uint nowUnix)
        {
            return Count(modelId, variantId, nowUnix, QuerySignalFlags.None);
        }

        /// <summary>Like <see cref="Count(string, string, uint)"/>, with what the inference showed of its query (<see cref="QuerySignalFlags"/>).</summary>
        public ulong Count(string modelId, string variantId, uint nowUnix, int signals)
        {
            uint tokenId;
            bool grace;
            Quota.Decide(modelId, nowUnix, out tokenId, out grace);
            ulong value = Counter.Count(modelId, variantId, tokenId, grace, nowUnix);
            Counted++;
            if (Pattern != null)
            {
                Pattern.Observe(modelId, nowUnix, signals);
            }

            Receipts.OnCounted(modelId, value, nowUnix);
            if (Receipts.Pending(modelId) >= (ulong)Options.MaxReceiptCount)
            {
                Receipts.Poll(_sink, nowUnix, false);
            }

            return value;
        }

        /// <summary>Hands a waiting receipt over and cuts the due ones; returns how many the sink took.</summary>
        public int Poll(uint nowUnix)
        {
            return Receipts.Poll(_sink, nowUnix, false);
        }

        /// <summary>Cuts every counted, unreceipted range now (before a sync); returns how many receipts the sink took.</summary>
        public int Flush(uint nowUnix)
        {
            return Receipts.Poll(_sink, nowUnix, true);
        }

        /// <summary>Gives back unused reservations, so a planned restart or deep sleep over-counts nothing.</summary>
        public void Checkpoint(uint nowUnix)
        {
            Counter.Checkpoint(nowUnix);
        }

        private string VariantFor(string modelId, string variantId)
        {
            if (variantId != null && variantId.Length > 0)
            {
                return variantId;
            }

            string last = Counter.LastVariant(modelId);
            return last != null ? last : modelId;
        }
    }
}
