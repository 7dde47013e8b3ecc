using System.Globalization;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Console.Commands.Model;

/// <summary>
/// <c>--image</c>: the image front-end's parameters as comma-separated items, for a model whose input is
/// <paramref name="outH"/> x <paramref name="outW"/>: <c>frame=HxWxC</c> (required: the camera's frame),
/// <c>crop=TOP:LEFT:HEIGHT:WIDTH</c> (default: the centred square), <c>grey</c> (RGB frames to one channel), and
/// <c>mean=M[:M:M]</c>, <c>std=S[:S:S]</c> per output channel (default 0 and 1: the model takes pixel / 255).
/// </summary>
internal static class ImageFrontEndSpec
{
    public static ImageFrontEnd Parse(string? text, int outH, int outW, int outC)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("--front-end image needs --image \"frame=HxWxC[,crop=TOP:LEFT:HEIGHT:WIDTH][,grey][,mean=M][,std=S]\"");
        }

        int[]? frame = null;
        int[]? crop = null;
        bool grey = false;
        float[]? mean = null;
        float[]? std = null;
        foreach (string item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = item.Split('=', 2, StringSplitOptions.TrimEntries);
            switch (kv[0].ToLowerInvariant())
            {
                case "frame" when kv.Length == 2:
                    frame = Ints(kv[1], 'x', 3, item);
                    break;
                case "crop" when kv.Length == 2:
                    crop = Ints(kv[1], ':', 4, item);
                    break;
                case "grey" or "gray" when kv.Length == 1:
                    grey = true;
                    break;
                case "mean" when kv.Length == 2:
                    mean = Floats(kv[1], item);
                    break;
                case "std" when kv.Length == 2:
                    std = Floats(kv[1], item);
                    break;
                default:
                    throw new ArgumentException($"--image: '{item}' is not one of frame=HxWxC, crop=TOP:LEFT:HEIGHT:WIDTH, grey, mean=M, std=S");
            }
        }

        if (frame == null)
        {
            throw new ArgumentException("--image: frame=HxWxC is required (the camera frame the board delivers)");
        }

        int side = Math.Min(frame[0], frame[1]);
        crop ??= [(frame[0] - side) / 2, (frame[1] - side) / 2, side, side];
        int channels = grey ? 1 : frame[2];
        if (channels != outC)
        {
            throw new ArgumentException($"--image gives {channels} channel(s){(grey ? " (grey)" : string.Empty)}; the model takes {outC}");
        }

        try
        {
            return new ImageFrontEnd(frame[0], frame[1], frame[2], crop[0], crop[1], crop[2], crop[3], outH, outW, grey, PerChannel(mean, channels, 0f, "mean"), PerChannel(std, channels, 1f, "std"));
        }
        catch (ModelFormatException e)
        {
            throw new ArgumentException($"--image: {e.Message}");
        }
    }

    private static int[] Ints(string text, char separator, int count, string item)
    {
        string[] parts = text.Split(separator);
        if (parts.Length != count || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"--image: '{item}' needs {count} whole numbers separated by '{separator}'");
        }

        return [.. parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
    }

    private static float[] Floats(string text, string item)
    {
        string[] parts = text.Split(':');
        if (!parts.All(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)))
        {
            throw new ArgumentException($"--image: '{item}' needs numbers separated by ':'");
        }

        return [.. parts.Select(p => float.Parse(p, CultureInfo.InvariantCulture))];
    }

    private static float[] PerChannel(float[]? values, int channels, float fallback, string name)
    {
        if (values == null)
        {
            return [.. Enumerable.Repeat(fallback, channels)];
        }

        if (values.Length == 1)
        {
            return [.. Enumerable.Repeat(values[0], channels)];
        }

        return values.Length == channels ? values : throw new ArgumentException($"--image: {name} has {values.Length} values, the output has {channels} channel(s)");
    }
}
