using System.Buffers.Binary;
using SkiaSharp;

namespace TinyMLOps.Host.Tests.Modelling.Data;

/// <summary>A temporary folder the data-set tests write their PNG, WAV and CSV files into.</summary>
public abstract class DataFiles : IDisposable
{
    protected DataFiles() => Root = Directory.CreateTempSubdirectory("tinymlops-data-").FullName;

    protected string Root { get; }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="relative"/> under the root, making its folders.</summary>
    protected string Write(string relative, byte[] bytes)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    protected string WriteText(string relative, string text) => Write(relative, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>A PNG of <paramref name="width"/> x <paramref name="height"/>: gray (8-bit) when <paramref name="rgb"/> is false, else RGB; pixel(x, y) gives gray or (r, g, b).</summary>
    public static byte[] Png(int width, int height, bool rgb, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var info = new SKImageInfo(width, height, rgb ? SKColorType.Rgba8888 : SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        Span<byte> bytes = bitmap.GetPixelSpan();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                if (rgb)
                {
                    int p = (y * bitmap.RowBytes) + (x * 4);
                    (bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]) = (r, g, b, 255);
                }
                else
                {
                    bytes[(y * bitmap.RowBytes) + x] = r;
                }
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static byte[] GrayPng(int width, int height, byte value) => Png(width, height, false, (_, _) => (value, value, value));

    /// <summary>A WAV file: format tag 1 (PCM) or 3 (float), interleaved frames of <paramref name="channels"/> samples in [-1, 1].</summary>
    public static byte[] Wav(int sampleRate, int bits, int channels, float[] interleaved, int format = 1)
    {
        int width = bits / 8;
        var data = new byte[interleaved.Length * width];
        for (int i = 0; i < interleaved.Length; i++)
        {
            float v = interleaved[i];
            Span<byte> s = data.AsSpan(i * width, width);
            switch (format, bits)
            {
                case (1, 8): s[0] = (byte)Math.Clamp(Math.Round((v * 128) + 128), 0, 255); break;
                case (1, 16): BinaryPrimitives.WriteInt16LittleEndian(s, (short)Math.Clamp(Math.Round(v * 32768), short.MinValue, short.MaxValue)); break;
                case (3, 32): BinaryPrimitives.WriteSingleLittleEndian(s, v); break;
                default: throw new ArgumentException($"format {format}/{bits} not written by the tests");
            }
        }

        var file = new byte[44 + data.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(4), 36 + data.Length);
        "WAVEfmt "u8.CopyTo(file.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(20), (short)format);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(22), (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(28), sampleRate * width * channels);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(32), (short)(width * channels));
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(34), (short)bits);
        "data"u8.CopyTo(file.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(40), data.Length);
        data.CopyTo(file.AsSpan(44));
        return file;
    }
}
