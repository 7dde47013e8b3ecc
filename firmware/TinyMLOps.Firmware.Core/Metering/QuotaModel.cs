using System.Collections;
using TinyMLOps.Shared.Metering;

namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>
    /// The quota state of one model: accepted tokens in id order, the first one in use from counter value
    /// <see cref="ActiveStart"/>, and, once they are all used up or expired, the overrun: the last token's policy
    /// applies from counter value <see cref="OverrunStart"/>. Usage is measured on the durable counter, so a
    /// restart never gives allowance back (it may take up to one block of it).
    /// </summary>
    public sealed class QuotaModel
    {
        private readonly ArrayList _tokens = new ArrayList();

        public QuotaModel(string modelId)
        {
            ModelId = modelId;
        }

        public string ModelId { get; private set; }

        public int TokenCount
        {
            get { return _tokens.Count; }
        }

        public QuotaToken Token(int index)
        {
            return (QuotaToken)_tokens[index];
        }

        /// <summary>The first token is in use (its allowance counts from <see cref="ActiveStart"/>).</summary>
        public bool HeadActive { get; internal set; }

        public ulong ActiveStart { get; internal set; }

        /// <summary>All tokens are used up or expired; the policy of the last one applies.</summary>
        public bool Overrun { get; internal set; }

        public ulong OverrunStart { get; internal set; }

        /// <summary>The token retired last (0 before any): its policy and grace rule the overrun.</summary>
        public uint LastTokenId { get; internal set; }

        public int LastPolicy { get; internal set; }

        public uint LastGrace { get; internal set; }

        internal void Add(QuotaToken token)
        {
            _tokens.Add(token);
        }

        internal void RetireHead(ulong overrunStart)
        {
            QuotaToken head = Token(0);
            _tokens.RemoveAt(0);
            LastTokenId = head.TokenId;
            LastPolicy = head.OverrunPolicy;
            LastGrace = head.GraceAllowance;
            HeadActive = false;
            Overrun = true;
            OverrunStart = overrunStart;
        }

        /// <summary>Allowance left of the token in use at counter value next (0 when none is in use).</summary>
        public ulong Remaining(ulong next)
        {
            if (!HeadActive)
            {
                return 0;
            }

            ulong used = next - ActiveStart;
            ulong allowance = Token(0).Allowance;
            return used >= allowance ? 0 : allowance - used;
        }
    }
}
