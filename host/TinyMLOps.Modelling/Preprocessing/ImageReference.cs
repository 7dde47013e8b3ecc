using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Modelling.Preprocessing;

/// <summary>
/// The float reference of <see cref="ImageFrontEnd"/>: the crop, a bilinear resize with half-pixel centres (PyTorch's
/// interpolate with align_corners=False and no antialiasing) and BT.601 grey, in double precision, before any rounding.
/// Tests hold the fixed-point front-end to it, and it to PyTorch.
/// </summary>
public static class ImageReference
{
    /// <summary>The resized (and grey) image in 0..255 units, H x W x OutC.</summary>
    public static double[] Levels(ImageFrontEnd fe, ReadOnlySpan<byte> frame)
    {
        ArgumentNullException.ThrowIfNull(fe);
        if (frame.Length < fe.RawPixels)
        {
            throw new ArgumentException($"the frame has {frame.Length} bytes, the front-end takes {fe.RawPixels}");
        }

        int outC = fe.OutC;
        var result = new double[fe.Height * fe.Width * outC];
        var rgb = new double[fe.SrcC];
        int o = 0;
        for (int y = 0; y < fe.Height; y++)
        {
            (int y0, int y1, double wy) = Tap(y, fe.CropH, fe.Height);
            for (int x = 0; x < fe.Width; x++)
            {
                (int x0, int x1, double wx) = Tap(x, fe.CropW, fe.Width);
                for (int c = 0; c < fe.SrcC; c++)
                {
                    double p00 = Pixel(fe, frame, y0, x0, c), p01 = Pixel(fe, frame, y0, x1, c);
                    double p10 = Pixel(fe, frame, y1, x0, c), p11 = Pixel(fe, frame, y1, x1, c);
                    rgb[c] = (((p00 * (1 - wx)) + (p01 * wx)) * (1 - wy)) + (((p10 * (1 - wx)) + (p11 * wx)) * wy);
                }

                if (fe.Grey && fe.SrcC == 3)
                {
                    result[o++] = (0.299 * rgb[0]) + (0.587 * rgb[1]) + (0.114 * rgb[2]);
                }
                else
                {
                    for (int c = 0; c < outC; c++)
                    {
                        result[o++] = rgb[c];
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The float model input: each level normalised as (v / 255 - mean) / std.</summary>
    public static float[] Input(ImageFrontEnd fe, ReadOnlySpan<byte> frame)
    {
        double[] levels = Levels(fe, frame);
        var input = new float[levels.Length];
        int outC = fe.OutC;
        for (int i = 0; i < levels.Length; i++)
        {
            int c = i % outC;
            input[i] = (float)(((levels[i] / 255.0) - fe.Mean[c]) / fe.Std[c]);
        }

        return input;
    }

    private static (int I0, int I1, double W) Tap(int i, int inSize, int outSize)
    {
        double s = Math.Max(0, ((i + 0.5) * inSize / outSize) - 0.5);
        int i0 = Math.Min((int)Math.Floor(s), inSize - 1);
        int i1 = Math.Min(i0 + 1, inSize - 1);
        return (i0, i1, i0 == inSize - 1 ? 0 : s - i0);
    }

    private static double Pixel(ImageFrontEnd fe, ReadOnlySpan<byte> frame, int y, int x, int c) =>
        frame[((((fe.CropY + y) * fe.SrcW) + fe.CropX + x) * fe.SrcC) + c];
}
