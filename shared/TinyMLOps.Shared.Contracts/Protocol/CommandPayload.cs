using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Protocol
{
    /// <summary>A host command: a name the device's dispatcher knows and opaque arguments for its handler.</summary>
    public sealed class CommandPayload
    {
        public const int MaxArgumentBytes = 2048;

        public uint CommandId;
        public string Name = "";
        public byte[] Arguments = new byte[0];

        public byte[] Encode()
        {
            ByteWriter w = new ByteWriter(8 + Arguments.Length);
            w.WriteI32((int)CommandId);
            w.WriteString(Name);
            PayloadCodec.WriteBlock(w, Arguments);
            return w.ToArray();
        }

        public static CommandPayload Decode(byte[] payload)
        {
            ByteReader r = PayloadCodec.Reader(payload, "command");
            try
            {
                CommandPayload c = new CommandPayload();
                c.CommandId = r.ReadU32("command id");
                c.Name = PayloadCodec.ReadString(r, "command", "name");
                if (c.Name.Length == 0)
                {
                    throw PayloadCodec.Invalid("command", "empty name");
                }

                c.Arguments = PayloadCodec.ReadBlock(r, "arguments");
                if (c.Arguments.Length > MaxArgumentBytes)
                {
                    throw PayloadCodec.Invalid("command", c.Arguments.Length + " argument bytes, the limit is " + MaxArgumentBytes);
                }

                PayloadCodec.End(r, "command");
                return c;
            }
            catch (ModelFormatException e)
            {
                throw PayloadCodec.Wrap(e, "command");
            }
        }
    }
}
