using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>The device's answer to a command, sent through the outbox like any uplink.</summary>
    public sealed class CommandResultPayload
    {
        public const int Ok = 0;
        public const int UnknownCommand = 1;
        public const int Failed = 2;
        public const int Refused = 3;

        public uint CommandId;
        public int Status;
        public string Detail = "";

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(16 + Detail.Length);
            w.WriteI32((int)CommandId);
            w.WriteU8(Status);
            w.WriteString(Detail);
            return w.ToArray();
        }

        public static CommandResultPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "command-result");
            try
            {
                CommandResultPayload c = new CommandResultPayload();
                c.CommandId = r.ReadU32("command id");
                c.Status = r.ReadU8("status");
                if (c.Status > Refused)
                {
                    throw PayloadCodec.Invalid("command-result", "status " + c.Status);
                }

                c.Detail = PayloadCodec.ReadString(r, "command-result", "detail");
                PayloadCodec.End(r, "command-result");
                return c;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "command-result");
            }
        }

        public static string StatusName(int status)
        {
            switch (status)
            {
                case Ok: return "ok";
                case UnknownCommand: return "unknown-command";
                case Failed: return "failed";
                case Refused: return "refused";
                default: return "status-" + status;
            }
        }
    }
}
