using SkiaSharp;

namespace TinyMLOps.Modelling.Data;

/// <summary>
/// PNG images in class subfolders (torchvision's ImageFolder: root/cat/001.png, classes numbered in sorted folder-name
/// order), or a folder of PNGs without labels. Each image is decoded by SkiaSharp, converted to the model's channels
/// (3: RGB; 1: ITU-R 601 luma 0.299 R + 0.587 G + 0.114 B, as PIL's convert("L"); alpha ignored), resized to the model's
/// H x W when it differs (bilinear with linear mipmaps, so a large image is averaged rather than point-sampled; the
/// aspect ratio is not kept) and scaled to pixel / 255, as torchvision's ToTensor does.
/// </summary>
public static class ImageFolderLoader
{
    public const string Format = "image folder (PNG)";

    public static DataSet Load(string path, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Channels is not (1 or 3))
        {
            throw new DataSetException($"{path}: PNG images give 1 (grayscale) or 3 (RGB) channels; the model's input has {options.Channels}");
        }

        return ClassFolders.Read(path, ".png", Format, options, file => Read(file, options.Height, options.Width, options.Channels));
    }

    /// <summary>One PNG as H·W·C floats pixel / 255; a <see cref="DataSetException"/> with the reason when it cannot be read.</summary>
    public static float[] Read(string file, int height, int width, int channels)
    {
        using var stream = File.OpenRead(file);
        using var codec = SKCodec.Create(stream, out SKCodecResult result)
            ?? throw new DataSetException($"not an image SkiaSharp can decode ({result})");
        if (codec.EncodedFormat != SKEncodedImageFormat.Png)
        {
            throw new DataSetException($"a {codec.EncodedFormat} image, not a PNG");
        }

        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        SKCodecResult read = codec.GetPixels(info, decoded.GetPixels());
        if (read is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new DataSetException($"corrupt PNG ({read})");
        }

        if (read == SKCodecResult.IncompleteInput)
        {
            throw new DataSetException("truncated PNG (the image data ends early)");
        }

        SKBitmap bitmap = decoded;
        SKBitmap? resized = null;
        if (info.Width != width || info.Height != height)
        {
            resized = decoded.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                ?? throw new DataSetException($"cannot resize {info.Width}x{info.Height} to {width}x{height}");
            bitmap = resized;
        }

        try
        {
            ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
            int rowBytes = bitmap.RowBytes;
            var x = new float[height * width * channels];
            for (int y = 0; y < height; y++)
            {
                for (int col = 0; col < width; col++)
                {
                    int p = (y * rowBytes) + (col * 4);
                    int o = ((y * width) + col) * channels;
                    if (channels == 3)
                    {
                        x[o] = rgba[p] / 255f;
                        x[o + 1] = rgba[p + 1] / 255f;
                        x[o + 2] = rgba[p + 2] / 255f;
                    }
                    else
                    {
                        x[o] = ((0.299f * rgba[p]) + (0.587f * rgba[p + 1]) + (0.114f * rgba[p + 2])) / 255f;
                    }
                }
            }

            return x;
        }
        finally
        {
            resized?.Dispose();
        }
    }
}
