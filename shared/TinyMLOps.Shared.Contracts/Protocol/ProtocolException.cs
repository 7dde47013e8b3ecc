using System;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>The one error the wire decoder raises; <see cref="Reason"/> is a <see cref="RejectReason"/>.</summary>
    public class ProtocolException : Exception
    {
        public ProtocolException(int reason, string message)
            : base(RejectReason.Name(reason) + ": " + message)
        {
            Reason = reason;
        }

        public int Reason { get; private set; }
    }
}
