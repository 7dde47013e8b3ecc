using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// A camera frame (8-bit, H x W x C interleaved, grey or RGB) to the model's input: crop a window, resize it
    /// bilinearly with half-pixel centres (PyTorch's align_corners=False, no antialiasing), optionally convert RGB to
    /// grey (BT.601 weights in Q16), then normalise each channel as (v / 255 - mean) / std and quantize. Resize and grey
    /// are integer arithmetic, rounded to 8 bits, so every runtime computes the same bytes; the normalisation goes
    /// through a 256-entry table per channel, filled when the model's input scale is first seen.
    /// </summary>
    public sealed class ImageFrontEnd : FrontEnd
    {
        /// <summary>Largest frame side this front-end accepts (a VGA frame fits).</summary>
        public const int MaxSide = 1024;

        // Q16 weights of R, G and B (0.299, 0.587, 0.114 summing to 65536).
        private const long GreyR = 19595;
        private const long GreyG = 38470;
        private const long GreyB = 7471;

        private readonly int[] _y0;
        private readonly int[] _y1;
        private readonly int[] _fy;
        private readonly int[] _x0;
        private readonly int[] _x1;
        private readonly int[] _fx;
        private readonly sbyte[] _table;
        private readonly byte[] _levels;
        private float _tableScale = -1f;
        private int _tableZeroPoint;

        public ImageFrontEnd(int srcH, int srcW, int srcC, int cropY, int cropX, int cropH, int cropW, int outH, int outW, bool grey, float[] mean, float[] std)
        {
            if (srcH < 1 || srcW < 1 || srcH > MaxSide || srcW > MaxSide || (srcC != 1 && srcC != 3))
            {
                throw new ModelFormatException("image front-end: frame " + srcH + "x" + srcW + "x" + srcC + " (sides 1.." + MaxSide + ", 1 or 3 channels)");
            }

            if (cropY < 0 || cropX < 0 || cropH < 1 || cropW < 1 || cropY + cropH > srcH || cropX + cropW > srcW)
            {
                throw new ModelFormatException("image front-end: crop " + cropH + "x" + cropW + " at " + cropY + "," + cropX + " is outside the " + srcH + "x" + srcW + " frame");
            }

            if (outH < 1 || outW < 1 || outH > Operator.MaxDimension || outW > Operator.MaxDimension)
            {
                throw new ModelFormatException("image front-end: output " + outH + "x" + outW + " invalid");
            }

            int outC = grey ? 1 : srcC;
            if (mean == null || std == null || mean.Length != outC || std.Length != outC)
            {
                throw new ModelFormatException("image front-end: needs one mean and one std per output channel (" + outC + ")");
            }

            for (int c = 0; c < outC; c++)
            {
                if (!(std[c] > 0) || float.IsInfinity(std[c]) || double.IsNaN(mean[c]) || float.IsInfinity(mean[c]))
                {
                    throw new ModelFormatException("image front-end: channel " + c + " needs a finite mean and a finite positive std");
                }
            }

            SrcH = srcH;
            SrcW = srcW;
            SrcC = srcC;
            CropY = cropY;
            CropX = cropX;
            CropH = cropH;
            CropW = cropW;
            Height = outH;
            Width = outW;
            Grey = grey;
            Mean = mean;
            Std = std;
            _y0 = new int[outH];
            _y1 = new int[outH];
            _fy = new int[outH];
            _x0 = new int[outW];
            _x1 = new int[outW];
            _fx = new int[outW];
            Taps(cropH, outH, cropY, _y0, _y1, _fy);
            Taps(cropW, outW, cropX, _x0, _x1, _fx);
            _table = new sbyte[256 * outC];
            _levels = new byte[outH * outW * outC];
        }

        public int SrcH { get; private set; }

        public int SrcW { get; private set; }

        public int SrcC { get; private set; }

        public int CropY { get; private set; }

        public int CropX { get; private set; }

        public int CropH { get; private set; }

        public int CropW { get; private set; }

        /// <summary>Output height and width.</summary>
        public int Height { get; private set; }

        public int Width { get; private set; }

        /// <summary>RGB frames become one grey channel.</summary>
        public bool Grey { get; private set; }

        /// <summary>Per output channel, subtracted from v / 255.</summary>
        public float[] Mean { get; private set; }

        /// <summary>Per output channel, divides after the mean.</summary>
        public float[] Std { get; private set; }

        public override int Kind
        {
            get { return KindImage; }
        }

        public override string Name
        {
            get { return "image"; }
        }

        public override int OutH
        {
            get { return Height; }
        }

        public override int OutW
        {
            get { return Width; }
        }

        public override int OutC
        {
            get { return Grey ? 1 : SrcC; }
        }

        public override int RawPixels
        {
            get { return SrcH * SrcW * SrcC; }
        }

        /// <summary>
        /// Writes the 8-bit image after crop, resize and grey (H x W x OutC) into <paramref name="output"/>: the values the
        /// normalisation then maps, which the host's float reference is compared against.
        /// </summary>
        public void Resample(byte[] raw, int offset, byte[] output, int outputOffset)
        {
            int outC = OutC;
            int rowStride = SrcW * SrcC;
            int o = outputOffset;
            for (int y = 0; y < Height; y++)
            {
                int row0 = offset + (_y0[y] * rowStride);
                int row1 = offset + (_y1[y] * rowStride);
                int fy = _fy[y];
                for (int x = 0; x < Width; x++)
                {
                    int a = _x0[x] * SrcC;
                    int b = _x1[x] * SrcC;
                    int fx = _fx[x];
                    if (Grey && SrcC == 3)
                    {
                        // Grey from the unrounded Q32 channels, so only the final rounding remains.
                        long r = Bilinear(raw, row0 + a, row0 + b, row1 + a, row1 + b, fx, fy);
                        long g = Bilinear(raw, row0 + a + 1, row0 + b + 1, row1 + a + 1, row1 + b + 1, fx, fy);
                        long bl = Bilinear(raw, row0 + a + 2, row0 + b + 2, row1 + a + 2, row1 + b + 2, fx, fy);
                        output[o++] = (byte)(((GreyR * r) + (GreyG * g) + (GreyB * bl) + (1L << 47)) >> 48);
                    }
                    else
                    {
                        for (int c = 0; c < outC; c++)
                        {
                            output[o++] = (byte)((Bilinear(raw, row0 + a + c, row0 + b + c, row1 + a + c, row1 + b + c, fx, fy) + (1L << 31)) >> 32);
                        }
                    }
                }
            }
        }

        public override void ProcessPixels(byte[] raw, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            if (inputScale != _tableScale || inputZeroPoint != _tableZeroPoint)
            {
                FillTable(inputScale, inputZeroPoint);
            }

            // Levels first (the bytes the host's reference is compared with), then each through its channel's table.
            Resample(raw, offset, _levels, 0);
            int outC = OutC;
            int n = _levels.Length;
            int c = 0;
            for (int i = 0; i < n; i++)
            {
                output[outputOffset + i] = _table[(c << 8) + _levels[i]];
                if (++c == outC)
                {
                    c = 0;
                }
            }
        }

        /// <summary>The normalised value of an 8-bit level in channel <paramref name="c"/> (what the host feeds a float model).</summary>
        public float Apply(int level, int c)
        {
            return ((level / 255f) - Mean[c]) / Std[c];
        }

        public override void WriteParams(ByteWriter w)
        {
            w.WriteU16(SrcH);
            w.WriteU16(SrcW);
            w.WriteU8(SrcC);
            w.WriteU16(CropY);
            w.WriteU16(CropX);
            w.WriteU16(CropH);
            w.WriteU16(CropW);
            w.WriteU16(Height);
            w.WriteU16(Width);
            w.WriteU8(Grey ? 1 : 0);
            for (int c = 0; c < Mean.Length; c++)
            {
                w.WriteF32(Mean[c]);
                w.WriteF32(Std[c]);
            }
        }

        public override string Describe()
        {
            return "image: " + SrcH + "x" + SrcW + "x" + SrcC + " frame, crop " + CropH + "x" + CropW + " at " + CropY + "," + CropX
                + ", bilinear to " + Height + "x" + Width + (Grey && SrcC == 3 ? ", grey" : string.Empty) + ", (v/255 - mean) / std";
        }

        internal static ImageFrontEnd Read(ByteReader r)
        {
            int srcH = r.ReadU16("image frame height");
            int srcW = r.ReadU16("image frame width");
            int srcC = r.ReadU8("image frame channels");
            int cropY = r.ReadU16("image crop top");
            int cropX = r.ReadU16("image crop left");
            int cropH = r.ReadU16("image crop height");
            int cropW = r.ReadU16("image crop width");
            int outH = r.ReadU16("image output height");
            int outW = r.ReadU16("image output width");
            int grey = r.ReadU8("image grey flag");
            if (grey > 1 || (srcC != 1 && srcC != 3))
            {
                throw new ModelFormatException("image front-end: grey flag " + grey + ", " + srcC + " channels");
            }

            int outC = grey == 1 ? 1 : srcC;
            r.Require(outC * 8, "image means and stds");
            float[] mean = new float[outC];
            float[] std = new float[outC];
            for (int c = 0; c < outC; c++)
            {
                mean[c] = r.ReadF32("image mean");
                std[c] = r.ReadF32("image std");
            }

            return new ImageFrontEnd(srcH, srcW, srcC, cropY, cropX, cropH, cropW, outH, outW, grey == 1, mean, std);
        }

        /// <summary>Source taps and Q16 weights of each output coordinate: centre (i + 0.5) * in / out - 0.5, clamped to the crop.</summary>
        private static void Taps(int inSize, int outSize, int start, int[] i0, int[] i1, int[] frac)
        {
            for (int i = 0; i < outSize; i++)
            {
                // Q16 source coordinate, floored in integers: ((2i + 1) * in - out) * 32768 / out.
                long q = (((long)((2 * i) + 1) * inSize) - outSize) * 32768 / outSize;
                if (q < 0)
                {
                    q = 0;
                }

                int lo = (int)(q >> 16);
                int f = (int)(q & 65535);
                if (lo >= inSize - 1)
                {
                    lo = inSize - 1;
                    f = 0;
                }

                i0[i] = start + lo;
                i1[i] = start + (lo + 1 < inSize ? lo + 1 : lo);
                frac[i] = f;
            }
        }

        /// <summary>The interpolated level in Q32 (at most 255 * 2^32), unrounded.</summary>
        private static long Bilinear(byte[] p, int i00, int i01, int i10, int i11, int fx, int fy)
        {
            long top = (p[i00] * (long)(65536 - fx)) + (p[i01] * (long)fx);
            long bottom = (p[i10] * (long)(65536 - fx)) + (p[i11] * (long)fx);
            return (top * (65536 - fy)) + (bottom * fy);
        }

        private void FillTable(float inputScale, int inputZeroPoint)
        {
            int outC = OutC;
            for (int c = 0; c < outC; c++)
            {
                for (int v = 0; v < 256; v++)
                {
                    _table[(c << 8) + v] = QuantMath.Quantize(Apply(v, c), inputScale, inputZeroPoint);
                }
            }

            _tableScale = inputScale;
            _tableZeroPoint = inputZeroPoint;
        }
    }
}
