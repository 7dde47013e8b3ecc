using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>Reads a front-end section (kind byte, then that kind's parameters); every kind is listed here once.</summary>
    public static class FrontEndCodec
    {
        public static FrontEnd Decode(byte[] data, int offset, int length)
        {
            ByteReader r = new ByteReader(data, offset, offset + length);
            int kind = r.ReadU8("front-end kind");
            FrontEnd frontEnd;
            switch (kind)
            {
                case FrontEnd.KindNormalize:
                    frontEnd = Normalize.Read(r);
                    break;
                case FrontEnd.KindMfcc:
                    frontEnd = Mfcc.Read(r);
                    break;
                case FrontEnd.KindSpectral:
                    frontEnd = Spectral.Read(r);
                    break;
                case FrontEnd.KindImage:
                    frontEnd = ImageFrontEnd.Read(r);
                    break;
                default:
                    throw new ModelFormatException("unknown front-end kind " + kind + " (this runtime knows 1 to 4)");
            }

            if (r.Remaining != 0)
            {
                throw new ModelFormatException(r.Remaining + " unexpected bytes after the " + frontEnd.Name + " front-end");
            }

            return frontEnd;
        }
    }
}
