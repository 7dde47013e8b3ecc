namespace TinyMLOps.Modelling.Data;

/// <summary>How a batch of inputs lays out its dimensions: decided from the shape, or forced.</summary>
public enum ArrayLayout
{
    /// <summary>From the shape; NCHW where NCHW and NHWC both fit, flat inputs in PyTorch's C·H·W order.</summary>
    Auto,

    /// <summary>Channels last: [N, H, W, C], one sample [H, W, C], flat inputs in H·W·C order (Keras, TensorFlow).</summary>
    Nhwc,

    /// <summary>Channels first: [N, C, H, W], one sample [C, H, W], flat inputs in C·H·W order (PyTorch).</summary>
    Nchw,
}

/// <summary>
/// An array's shape matched against a model's H x W x C input: how many samples it holds and whether their values
/// come channels first (and are transposed to the model's HWC).
/// </summary>
/// <param name="Count">Samples in the array (1 for a single sample without a batch dimension).</param>
/// <param name="ChannelsFirst">True when each sample is stored C·H·W and has to be transposed to H·W·C.</param>
/// <param name="Name">The matched layout, for messages: "NCHW", "NHWC", "N·784 flat (C·H·W order)", ...</param>
public sealed record ResolvedInput(int Count, bool ChannelsFirst, string Name)
{
    /// <summary>
    /// Matches <paramref name="shape"/> against an H x W x C model input. Accepted, in this order of preference:
    /// [N, C, H, W], [N, H, W, C], one sample [C, H, W] or [H, W, C], [N, H, W] and one sample [H, W] when C is 1,
    /// flat [N, H·W·C] and one flat sample [H·W·C]. When NCHW and NHWC both fit (C equal to H and W) NCHW wins unless
    /// <paramref name="layout"/> says otherwise. Flat samples are taken in C·H·W order (PyTorch's flatten), which is
    /// the same as H·W·C when C is 1 or H and W are 1; <see cref="ArrayLayout.Nhwc"/> takes them in H·W·C order.
    /// </summary>
    /// <exception cref="ArgumentException">The shape fits none of them; the message names the shapes that would.</exception>
    public static ResolvedInput Resolve(IReadOnlyList<int> shape, int h, int w, int c, ArrayLayout layout = ArrayLayout.Auto)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (layout != ArrayLayout.Nhwc && h == 1 && shape.Count == 3 && shape[1] == c && shape[2] == w && (c > 1 || w > 1))
        {
            // [N, C, T]: a 1-D model's input (1 x T x C), channels first.
            return new ResolvedInput(shape[0], ChannelsFirst: true, "NCT");
        }

        int flat = h * w * c;
        bool nchw = layout != ArrayLayout.Nhwc, nhwc = layout != ArrayLayout.Nchw;
        bool trivial = c == 1 || (h == 1 && w == 1);
        string flatName = trivial ? "flat" : nchw ? "flat, C·H·W order" : "flat, H·W·C order";
        string oneFlatName = trivial ? "one flat sample" : nchw ? "one flat sample, C·H·W order" : "one flat sample, H·W·C order";
        int n = shape.Count > 0 ? shape[0] : 0;
        if (nchw && Is(shape, n, c, h, w))
        {
            return new(n, c > 1, "NCHW");
        }

        if (nhwc && Is(shape, n, h, w, c))
        {
            return new(n, false, "NHWC");
        }

        if (nchw && Is(shape, c, h, w))
        {
            return new(1, c > 1, "one CHW sample");
        }

        if (nhwc && Is(shape, h, w, c))
        {
            return new(1, false, "one HWC sample");
        }

        if (c == 1 && Is(shape, n, h, w))
        {
            return new(n, false, "NHW");
        }

        if (Is(shape, n, flat))
        {
            return new(n, nchw && !trivial, $"N·{flat} {flatName}");
        }

        if (c == 1 && Is(shape, h, w))
        {
            return new(1, false, "one HW sample");
        }

        if (Is(shape, flat))
        {
            return new(1, nchw && !trivial, oneFlatName);
        }

        var expected = new List<string>();
        if (nchw)
        {
            expected.Add($"(N, {c}, {h}, {w}) NCHW");
        }

        if (nhwc)
        {
            expected.Add($"(N, {h}, {w}, {c}) NHWC");
        }

        if (c == 1)
        {
            expected.Add($"(N, {h}, {w})");
        }

        expected.Add($"(N, {flat}) flat");
        var single = new List<string>();
        if (nchw)
        {
            single.Add($"({c}, {h}, {w})");
        }

        if (nhwc)
        {
            single.Add($"({h}, {w}, {c})");
        }

        single.Add($"({flat},)");
        string forced = layout == ArrayLayout.Auto ? "" : $" with layout {layout.ToString().ToUpperInvariant()}";
        throw new ArgumentException(
            $"input shape {Npy.FormatShape(shape)} does not fit the model's {h}x{w}x{c} (HxWxC) input{forced}; expected {string.Join(", ", expected)}, or one sample {string.Join(", ", single)}");
    }

    /// <summary>Copies sample <paramref name="index"/> of <paramref name="values"/> into <paramref name="hwc"/> in the model's H·W·C order.</summary>
    public void CopySample(ReadOnlySpan<float> values, int index, int h, int w, int c, Span<float> hwc)
    {
        int size = h * w * c;
        ReadOnlySpan<float> src = values.Slice(index * size, size);
        if (!ChannelsFirst)
        {
            src.CopyTo(hwc);
            return;
        }

        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    hwc[(((y * w) + x) * c) + ch] = src[(((ch * h) + y) * w) + x];
                }
            }
        }
    }

    private static bool Is(IReadOnlyList<int> shape, params int[] dims) => shape.Count == dims.Length && shape.SequenceEqual(dims);
}
