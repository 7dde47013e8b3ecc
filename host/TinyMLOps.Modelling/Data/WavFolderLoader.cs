using System.Buffers.Binary;

namespace TinyMLOps.Modelling.Data;

/// <summary>A decoded WAV file: the first channel's samples in [-1, 1] and the sample rate.</summary>
public sealed record Waveform(float[] Samples, int SampleRate, int Channels);

/// <summary>
/// WAV clips in class subfolders (root/yes/001.wav, classes in sorted folder-name order) or a folder of clips without
/// labels. Reads RIFF/WAVE with PCM 8-bit (unsigned), 16, 24 or 32-bit (signed) or IEEE float 32/64 data, plain or
/// WAVE_FORMAT_EXTENSIBLE; keeps the first channel, scaled to [-1, 1]. Every file must have the expected sample rate
/// (<see cref="DataSetOptions.SampleRate"/>, else the first file's): one with another rate is skipped, named. The
/// waveform goes through <see cref="DataSetOptions.Waveform"/> when set (the audio front-end's hook); otherwise it is
/// the input itself, padded with silence or cut at the end to the model's H·W·C values.
/// </summary>
public static class WavFolderLoader
{
    public const string Format = "audio folder (WAV)";

    public static DataSet Load(string path, DataSetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int? rate = options.SampleRate;
        return ClassFolders.Read(path, ".wav", Format, options, file =>
        {
            Waveform wave = Read(File.ReadAllBytes(file));
            rate ??= wave.SampleRate;
            if (wave.SampleRate != rate)
            {
                throw new DataSetException($"sample rate {wave.SampleRate} Hz, expected {rate} Hz");
            }

            if (options.Waveform != null)
            {
                float[] x = options.Waveform(wave.Samples, wave.SampleRate);
                return x.Length == options.Elements ? x
                    : throw new DataSetException($"the waveform transform gave {x.Length} values, the model takes {options.Elements}");
            }

            var input = new float[options.Elements];
            wave.Samples.AsSpan(0, Math.Min(input.Length, wave.Samples.Length)).CopyTo(input);
            return input;
        });
    }

    /// <summary>Decodes a WAV file's bytes; a <see cref="DataSetException"/> names what is wrong.</summary>
    public static Waveform Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new DataSetException("not a RIFF/WAVE file");
        }

        int format = 0, channels = 0, rate = 0, bits = 0;
        int at = 12;
        while (at + 8 <= file.Length)
        {
            ReadOnlySpan<byte> id = file.Slice(at, 4);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(at + 4, 4));
            int body = at + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || body + 16 > file.Length)
                {
                    throw new DataSetException("truncated fmt chunk");
                }

                format = BinaryPrimitives.ReadUInt16LittleEndian(file.Slice(body, 2));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(file.Slice(body + 2, 2));
                rate = BinaryPrimitives.ReadInt32LittleEndian(file.Slice(body + 4, 4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(file.Slice(body + 14, 2));
                if (format == 0xFFFE && size >= 40 && body + 26 <= file.Length)
                {
                    // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
                    format = BinaryPrimitives.ReadUInt16LittleEndian(file.Slice(body + 24, 2));
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format == 0)
                {
                    throw new DataSetException("data chunk before the fmt chunk");
                }

                long available = Math.Min(size, file.Length - body);
                return Decode(file.Slice(body, (int)available), format, channels, rate, bits);
            }

            at = body + (int)Math.Min(size + (size & 1), int.MaxValue - body);
        }

        throw new DataSetException(format == 0 ? "no fmt chunk" : "no data chunk");
    }

    private static Waveform Decode(ReadOnlySpan<byte> data, int format, int channels, int rate, int bits)
    {
        if (channels < 1 || rate < 1)
        {
            throw new DataSetException($"invalid fmt chunk ({channels} channels, {rate} Hz)");
        }

        bool pcm = format == 1 && bits is 8 or 16 or 24 or 32;
        bool ieee = format == 3 && bits is 32 or 64;
        if (!pcm && !ieee)
        {
            throw new DataSetException($"unsupported encoding (format tag {format}, {bits} bits); PCM 8/16/24/32-bit or float 32/64-bit are read");
        }

        int width = bits / 8, frame = width * channels;
        int n = data.Length / frame;
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<byte> s = data.Slice(i * frame, width);
            x[i] = (format, bits) switch
            {
                (1, 8) => (s[0] - 128) / 128f,
                (1, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                (1, 24) => ((s[0] | (s[1] << 8) | ((sbyte)s[2] << 16)) / 8388608f),
                (1, _) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
                (_, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
                _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
            };
        }

        return new Waveform(x, rate, channels);
    }
}
