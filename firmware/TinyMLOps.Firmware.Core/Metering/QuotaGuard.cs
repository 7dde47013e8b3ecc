using System;
using System.Collections;
using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Core.Storage;
using TinyMLOps.Shared.Metering;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>
    /// Holds the prepaid quota tokens the host grants (command <see cref="QuotaToken.CommandName"/>) and enforces
    /// them offline. A model's tokens are used one after the other in id order, each for its allowance until it
    /// expires (device clock); then the last one's overrun policy answers: refuse, use the free variant, or allow
    /// <see cref="QuotaToken.GraceAllowance"/> more on grace. A model never granted a token runs metered and
    /// unlimited unless <see cref="MeterOptions.RequireToken"/>. The state is one <see cref="SmallFile"/>, written
    /// when a token is accepted, starts being used or is retired; never per inference.
    /// </summary>
    public sealed class QuotaGuard : ICommandHandler
    {
        private const int FormatVersion = 1;
        private const int FlagHeadActive = 1;
        private const int FlagOverrun = 2;

        private readonly WriteCountingStorage _storage;
        private readonly string _name;
        private readonly string _deviceId;
        private readonly byte[] _key;
        private readonly InferenceCounter _counter;
        private readonly IClock _clock;
        private readonly MeterOptions _options;
        private readonly ArrayList _models = new ArrayList();

        public QuotaGuard(IStorage storage, string fileName, string deviceId, byte[] deviceKey, InferenceCounter counter, IClock clock, MeterOptions options)
        {
            if (deviceKey == null || deviceKey.Length == 0)
            {
                throw new ArgumentException("quota tokens need the device key");
            }

            _storage = new WriteCountingStorage(storage);
            _name = fileName;
            _deviceId = deviceId;
            _key = deviceKey;
            _counter = counter;
            _clock = clock;
            _options = options;
            Load();
        }

        public int FlashWrites
        {
            get { return _storage.Writes; }
        }

        /// <summary>The highest token id ever accepted; a token must be above it.</summary>
        public uint HighestTokenId { get; private set; }

        public int AcceptedCount { get; private set; }

        public int RefusedCount { get; private set; }

        /// <summary>The <see cref="TokenVerdict"/> of the latest grant.</summary>
        public int LastVerdict { get; private set; }

        /// <summary>The quota state of a model, or null when it was never granted a token.</summary>
        public QuotaModel Find(string modelId)
        {
            for (int i = 0; i < _models.Count; i++)
            {
                QuotaModel q = (QuotaModel)_models[i];
                if (q.ModelId == modelId)
                {
                    return q;
                }
            }

            return null;
        }

        public int Handle(CommandPayload command, out string detail)
        {
            int verdict = Accept(command.Arguments, _clock.UnixSeconds);
            detail = TokenVerdict.Name(verdict);
            return verdict == TokenVerdict.Accepted ? CommandResultPayload.Ok : CommandResultPayload.Refused;
        }

        /// <summary>Checks and stores a token; returns its <see cref="TokenVerdict"/>. The tag is checked before anything it covers is trusted.</summary>
        public int Accept(byte[] encoding, uint nowUnix)
        {
            int verdict = Check(encoding, nowUnix);
            LastVerdict = verdict;
            if (verdict == TokenVerdict.Accepted)
            {
                AcceptedCount++;
            }
            else
            {
                RefusedCount++;
            }

            return verdict;
        }

        private int Check(byte[] encoding, uint nowUnix)
        {
            QuotaToken token;
            try
            {
                token = QuotaToken.Decode(encoding);
            }
            catch (ProtocolException)
            {
                return TokenVerdict.Malformed;
            }

            if (!token.VerifyTag(_key))
            {
                return TokenVerdict.BadTag;
            }

            if (token.DeviceId != _deviceId)
            {
                return TokenVerdict.WrongDevice;
            }

            if (token.TokenId <= HighestTokenId)
            {
                return TokenVerdict.Replayed;
            }

            if (nowUnix != 0 && nowUnix >= token.ExpiresAt)
            {
                return TokenVerdict.Expired;
            }

            QuotaModel q = Find(token.ModelId);
            if (q == null)
            {
                if (_models.Count >= _options.MaxModels || !_counter.CanMeter(token.ModelId))
                {
                    return TokenVerdict.TooManyModels;
                }

                q = new QuotaModel(token.ModelId);
                _models.Add(q);
            }
            else
            {
                // Make room: tokens used up or expired by now are retired first.
                bool changed = Advance(q, nowUnix, _counter.Next(token.ModelId));
                if (q.TokenCount >= _options.MaxTokensPerModel)
                {
                    if (changed)
                    {
                        Save();
                    }

                    return TokenVerdict.TooManyTokens;
                }
            }

            q.Add(token);
            HighestTokenId = token.TokenId;
            Advance(q, nowUnix, _counter.Next(token.ModelId));
            Save();
            return TokenVerdict.Accepted;
        }

        /// <summary>
        /// The decision for the model's next inference (counter value <see cref="InferenceCounter.Next"/>), with the
        /// token and grace state its count will carry. Writes only when a token starts being used or is retired.
        /// </summary>
        public MeterDecision Decide(string modelId, uint nowUnix, out uint tokenId, out bool grace)
        {
            tokenId = 0;
            grace = false;
            QuotaModel q = Find(modelId);
            if (q == null)
            {
                return _options.RequireToken ? MeterDecision.Refuse : MeterDecision.Allow;
            }

            ulong next = _counter.Next(modelId);
            if (Advance(q, nowUnix, next))
            {
                Save();
            }

            if (q.HeadActive)
            {
                tokenId = q.Token(0).TokenId;
                return MeterDecision.Allow;
            }

            // Overrun: whatever still gets counted is beyond the allowance, so it is billed as grace.
            tokenId = q.LastTokenId;
            grace = true;
            switch (q.LastPolicy)
            {
                case QuotaToken.PolicyFreeVariant:
                    return MeterDecision.UseFreeVariant;
                case QuotaToken.PolicyGrace:
                    return next - q.OverrunStart < q.LastGrace ? MeterDecision.AllowOnGrace : MeterDecision.Refuse;
                default:
                    return MeterDecision.Refuse;
            }
        }

        /// <summary>Retires used-up or expired tokens and starts the next; true when the state changed.</summary>
        private static bool Advance(QuotaModel q, uint nowUnix, ulong next)
        {
            bool changed = false;
            while (q.TokenCount > 0)
            {
                QuotaToken head = q.Token(0);
                bool expired = nowUnix != 0 && nowUnix >= head.ExpiresAt;
                if (!q.HeadActive)
                {
                    if (expired)
                    {
                        q.RetireHead(next);
                    }
                    else
                    {
                        q.HeadActive = true;
                        q.ActiveStart = next;
                        q.Overrun = false;
                    }

                    changed = true;
                    continue;
                }

                if (next - q.ActiveStart >= head.Allowance)
                {
                    // Used up: the overrun starts where the allowance ended, even if the counter jumped past it.
                    q.RetireHead(q.ActiveStart + head.Allowance);
                    changed = true;
                    continue;
                }

                if (expired)
                {
                    q.RetireHead(next);
                    changed = true;
                    continue;
                }

                break;
            }

            return changed;
        }

        /// <summary>
        /// Body: u8 version, u32 highest token id, u8 models; per model: str id, u8 flags (bit0 head active, bit1
        /// overrun), u64 active start, u64 overrun start, u32 last token id, u8 last policy, u32 last grace,
        /// u8 tokens, per token u16 length and its encoding.
        /// </summary>
        private void Save()
        {
            ByteWriter w = new ByteWriter(128);
            w.WriteU8(FormatVersion);
            w.WriteI32((int)HighestTokenId);
            w.WriteU8(_models.Count);
            for (int i = 0; i < _models.Count; i++)
            {
                QuotaModel q = (QuotaModel)_models[i];
                w.WriteString(q.ModelId);
                w.WriteU8((q.HeadActive ? FlagHeadActive : 0) | (q.Overrun ? FlagOverrun : 0));
                w.WriteI64((long)q.ActiveStart);
                w.WriteI64((long)q.OverrunStart);
                w.WriteI32((int)q.LastTokenId);
                w.WriteU8(q.LastPolicy);
                w.WriteI32((int)q.LastGrace);
                w.WriteU8(q.TokenCount);
                for (int t = 0; t < q.TokenCount; t++)
                {
                    byte[] encoding = q.Token(t).Encode();
                    w.WriteU16(encoding.Length);
                    w.WriteBytes(encoding, 0, encoding.Length);
                }
            }

            byte[] body = w.ToArray();
            SmallFile.Write(_storage, _name, body, body.Length);
        }

        private void Load()
        {
            byte[] body = SmallFile.Read(_storage, _name);
            if (body == null)
            {
                return;
            }

            try
            {
                ByteReader r = new ByteReader(body, 0, body.Length);
                if (r.ReadU8("version") != FormatVersion)
                {
                    return;
                }

                uint highest = r.ReadU32("highest token id");
                int count = r.ReadU8("models");
                ArrayList models = new ArrayList();
                for (int i = 0; i < count; i++)
                {
                    QuotaModel q = new QuotaModel(r.ReadString("model"));
                    int flags = r.ReadU8("flags");
                    q.HeadActive = (flags & FlagHeadActive) != 0;
                    q.Overrun = (flags & FlagOverrun) != 0;
                    q.ActiveStart = r.ReadU64("active start");
                    q.OverrunStart = r.ReadU64("overrun start");
                    q.LastTokenId = r.ReadU32("last token id");
                    q.LastPolicy = r.ReadU8("last policy");
                    q.LastGrace = r.ReadU32("last grace");
                    int tokens = r.ReadU8("tokens");
                    for (int t = 0; t < tokens; t++)
                    {
                        int length = r.ReadU16("token length");
                        int at = r.Skip(length, "token");
                        byte[] encoding = new byte[length];
                        Array.Copy(body, at, encoding, 0, length);
                        q.Add(QuotaToken.Decode(encoding));
                    }

                    models.Add(q);
                }

                HighestTokenId = highest;
                for (int i = 0; i < models.Count; i++)
                {
                    _models.Add(models[i]);
                }
            }
            catch (ModelFormatException)
            {
                // Whole (its CRC held) but not this format: no tokens, as on a new device.
            }
            catch (ProtocolException)
            {
            }
        }
    }
}
