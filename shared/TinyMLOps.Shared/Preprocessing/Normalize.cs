using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// Per-feature affine scaling: feature f of a raw row (a table's column, a sensor's channel) becomes
    /// (x - Offset[f]) / Scale[f] before the model's input quantization, so columns that differ by orders of magnitude
    /// (0.1 next to 1,000s) each use the int8 range instead of one crushing the others. The raw input is float,
    /// H x W x C in the model's HWC order; feature f is the channel (f = index mod C) when there are C offsets, or
    /// the element itself when there is one per element.
    /// </summary>
    public sealed class Normalize : FrontEnd
    {
        /// <summary>The most features one front-end scales (a 96x96x3 image per element would be far more than this).</summary>
        public const int MaxFeatures = 4096;

        private readonly int _h;
        private readonly int _w;
        private readonly int _c;

        public Normalize(int h, int w, int c, float[] offset, float[] scale)
        {
            if (h < 1 || w < 1 || c < 1 || h > Operator.MaxDimension || w > Operator.MaxDimension || c > Operator.MaxDimension)
            {
                throw new ModelFormatException("normalize front-end: shape " + h + "x" + w + "x" + c + " invalid");
            }

            if (offset == null || scale == null || offset.Length != scale.Length || (offset.Length != c && offset.Length != h * w * c) || offset.Length > MaxFeatures)
            {
                throw new ModelFormatException("normalize front-end: needs one offset and one scale per channel (" + c + ") or per element (" + (h * w * c) + "), at most " + MaxFeatures);
            }

            for (int f = 0; f < scale.Length; f++)
            {
                if (!(scale[f] > 0) || float.IsInfinity(scale[f]) || double.IsNaN(offset[f]) || float.IsInfinity(offset[f]))
                {
                    throw new ModelFormatException("normalize front-end: feature " + f + " needs a finite offset and a finite positive scale");
                }
            }

            _h = h;
            _w = w;
            _c = c;
            Offset = offset;
            Scale = scale;
        }

        /// <summary>Subtracted from each feature.</summary>
        public float[] Offset { get; private set; }

        /// <summary>Each feature is divided by this after the offset.</summary>
        public float[] Scale { get; private set; }

        public override int Kind
        {
            get { return KindNormalize; }
        }

        public override string Name
        {
            get { return "normalize"; }
        }

        public override int OutH
        {
            get { return _h; }
        }

        public override int OutW
        {
            get { return _w; }
        }

        public override int OutC
        {
            get { return _c; }
        }

        public override int RawValues
        {
            get { return _h * _w * _c; }
        }

        /// <summary>
        /// Scales one raw row and quantizes it with the model's input scale and zero point into <paramref name="output"/>.
        /// A NaN (a missing value) becomes the feature's offset, the middle of its range.
        /// </summary>
        public override void ProcessValues(float[] raw, int offset, sbyte[] output, int outputOffset, float inputScale, int inputZeroPoint)
        {
            int n = RawValues;
            bool perChannel = Offset.Length == _c;
            int f = 0;
            for (int i = 0; i < n; i++)
            {
                int k = perChannel ? f : i;
                float x = raw[offset + i];
                float v = double.IsNaN(x) ? 0f : (x - Offset[k]) / Scale[k];
                output[outputOffset + i] = QuantMath.Quantize(v, inputScale, inputZeroPoint);
                if (++f == _c)
                {
                    f = 0;
                }
            }
        }

        /// <summary>The scaled value of one feature, in float (what the host feeds a float model).</summary>
        public float Apply(float x, int element)
        {
            int k = Offset.Length == _c ? element % _c : element;
            return double.IsNaN(x) ? 0f : (x - Offset[k]) / Scale[k];
        }

        public override void WriteParams(ByteWriter w)
        {
            w.WriteU16(_h);
            w.WriteU16(_w);
            w.WriteU16(_c);
            w.WriteU16(Offset.Length);
            for (int f = 0; f < Offset.Length; f++)
            {
                w.WriteF32(Offset[f]);
                w.WriteF32(Scale[f]);
            }
        }

        public override string Describe()
        {
            return "normalize: " + Offset.Length + (Offset.Length == _c ? " channels" : " elements") + ", (x - offset) / scale";
        }

        internal static Normalize Read(ByteReader r)
        {
            int h = r.ReadU16("normalize height");
            int w = r.ReadU16("normalize width");
            int c = r.ReadU16("normalize channels");
            int count = r.ReadU16("normalize feature count");
            if (count > MaxFeatures)
            {
                throw new ModelFormatException("normalize front-end: " + count + " features, at most " + MaxFeatures);
            }

            r.Require(count * 8, "normalize offsets and scales");
            float[] offset = new float[count];
            float[] scale = new float[count];
            for (int f = 0; f < count; f++)
            {
                offset[f] = r.ReadF32("normalize offset");
                scale[f] = r.ReadF32("normalize scale");
            }

            return new Normalize(h, w, c, offset, scale);
        }
    }
}
