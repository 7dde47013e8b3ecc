using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Shared.Preprocessing;
using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Host.Tests.Simulation.Signals;

/// <summary>A small corpus (3 train and 1 test clip per class), made once; CI installs espeak-ng and sox.</summary>
public sealed class KeywordCorpusFixture : IDisposable
{
    public const int Seed = 7;

    public KeywordCorpusFixture()
    {
        Dir = Directory.CreateTempSubdirectory("tinymlops-kws-test-").FullName;
        Manifest = KeywordCorpus.Generate(Dir, new KeywordCorpusPlan(Seed, 3, 1));
    }

    public string Dir { get; }

    public KeywordCorpusManifest Manifest { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class KeywordCorpusTests(KeywordCorpusFixture corpus) : IClassFixture<KeywordCorpusFixture>
{
    private const int Rate = 16000;

    [Fact]
    public void Every_file_is_one_second_of_16_kHz_mono_16_bit_pcm()
    {
        string[] files = Directory.GetFiles(corpus.Dir, "*.wav", SearchOption.AllDirectories);
        Assert.Equal(12 * 4, files.Length);
        foreach (string file in files)
        {
            var (format, channels, rate, bits, dataBytes) = Header(File.ReadAllBytes(file));
            Assert.True((format, channels, rate, bits, dataBytes) == (1, 1, Rate, 16, 2 * Rate), $"{file}: format {format}, {channels} ch, {rate} Hz, {bits} bits, {dataBytes} data bytes");
        }
    }

    [Fact]
    public void Both_splits_hold_all_twelve_classes_and_their_speakers_are_disjoint()
    {
        string[] classes = [.. KeywordVocabulary.Keywords, KeywordVocabulary.Unknown, KeywordVocabulary.Silence];
        foreach (string split in new[] { "train", "test" })
        {
            Assert.Equal(classes.Order(StringComparer.Ordinal), Directory.GetDirectories(Path.Combine(corpus.Dir, split)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.All(classes, c => Assert.NotEmpty(Directory.GetFiles(Path.Combine(corpus.Dir, split, c), "*.wav")));
        }

        var speakers = corpus.Manifest.Files.Where(f => f.Clip.Word != null).ToLookup(f => f.Clip.Split, f => f.Clip.Speaker);
        Assert.Empty(speakers["train"].Intersect(speakers["test"]));
        Assert.Empty(corpus.Manifest.TrainSpeakers.Intersect(corpus.Manifest.TestSpeakers));
        Assert.All(speakers["test"], s => Assert.Contains(s, corpus.Manifest.TestSpeakers));
        Assert.All(corpus.Manifest.Files.Where(f => f.Clip.Class == KeywordVocabulary.Unknown), f => Assert.Contains(f.Clip.Word, KeywordVocabulary.Distractors));
    }

    [Fact]
    public void Silence_is_quiet_and_keywords_carry_speech_energy_between_100_and_4000_Hz()
    {
        var silence = Clips(c => c.Word == null).ToList();
        var words = Clips(c => c.Word != null).ToList();
        double silenceRms = silence.Average(x => Rms(x.Samples)), wordRms = words.Average(x => Rms(x.Samples));
        Assert.True(silenceRms < wordRms / 10, $"silence rms {silenceRms:G3} against words {wordRms:G3}");

        foreach (var (path, x) in words)
        {
            double[] band = FrameEnergies(x, 100, 4000), above = FrameEnergies(x, 100, Rate / 2);
            int loudest = Array.IndexOf(band, band.Max());
            Assert.True(band[loudest] > 0.8 * above[loudest], $"{path}: {band[loudest] / above[loudest]:P0} of the loudest frame's energy above 100 Hz lies in 100-4000 Hz");
            Assert.True(band.Max() > 4 * band.Min(), $"{path}: the word stands {10 * Math.Log10(band.Max() / band.Min()):F1} dB above the quietest frame");
        }

        double quietestWord = words.Min(w => FrameEnergies(w.Samples, 100, 4000).Max());
        double loudestSilence = silence.Max(w => FrameEnergies(w.Samples, 100, 4000).Max());
        Assert.True(loudestSilence < quietestWord / 10, $"speech band: loudest silence frame {10 * Math.Log10(loudestSilence):F1} dB, quietest word's loudest frame {10 * Math.Log10(quietestWord):F1} dB");
    }

    [Fact]
    public void The_mfcc_front_end_tells_keywords_from_silence()
    {
        var mfcc = new Mfcc(16000, 640, 320, 1024, 49, 40, 10, 20, 4000, 0);
        Assert.Equal(Rate, mfcc.ClipSamples);
        double MaxC0(float[] x)
        {
            short[] pcm = [.. x.Select(v => (short)Math.Clamp(Math.Round(v * 32768), short.MinValue, short.MaxValue))];
            var q = new int[mfcc.Frames * mfcc.Coefficients];
            mfcc.Features(pcm, 0, q);
            return Enumerable.Range(0, mfcc.Frames).Max(f => q[f * mfcc.Coefficients] / 65536.0);
        }

        var silence = Clips(c => c.Word == null && c.Split == "train").Select(x => MaxC0(x.Samples)).ToList();
        var words = Clips(c => c.Word != null && c.Split == "train" && c.Class is "yes" or "stop").Select(x => MaxC0(x.Samples)).ToList();
        Assert.True(words.Min() > silence.Max() + 5, $"c0 of words {string.Join(", ", words.Select(v => v.ToString("F1")))}; of silence {string.Join(", ", silence.Select(v => v.ToString("F1")))}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_manifest_and_the_same_bytes()
    {
        string again = Directory.CreateTempSubdirectory("tinymlops-kws-again-").FullName;
        try
        {
            KeywordCorpus.Generate(again, new KeywordCorpusPlan(KeywordCorpusFixture.Seed, 3, 1), jobs: 1);
            Assert.Equal(File.ReadAllText(Path.Combine(corpus.Dir, KeywordCorpus.ManifestFile)), File.ReadAllText(Path.Combine(again, KeywordCorpus.ManifestFile)));
            Assert.All(corpus.Manifest.Files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(corpus.Dir, f.Path)), File.ReadAllBytes(Path.Combine(again, f.Path))));
        }
        finally
        {
            Directory.Delete(again, recursive: true);
        }

        var other = new KeywordCorpusPlan(KeywordCorpusFixture.Seed + 1, 3, 1);
        Assert.NotEqual(corpus.Manifest.Files.Select(f => f.Clip), other.Clips);
    }

    [Fact]
    public void The_manifest_records_the_seed_the_tool_versions_and_every_file()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(corpus.Dir, KeywordCorpus.ManifestFile)));
        var root = json.RootElement;
        Assert.Equal(KeywordCorpusFixture.Seed, root.GetProperty("seed").GetInt32());
        Assert.Matches(@"^eSpeak NG text-to-speech: [0-9.]+$", root.GetProperty("tools").GetProperty("espeak-ng").GetString());
        Assert.StartsWith("SoX v", root.GetProperty("tools").GetProperty("sox").GetString(), StringComparison.Ordinal);
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(48, files.Count);
        var first = files.First(f => f.GetProperty("clip").TryGetProperty("word", out _)).GetProperty("clip");
        foreach (string p in new[] { "voice", "variant", "speed", "pitch", "peakDb", "shift", "noise", "noiseOffset", "snrDb" })
        {
            Assert.True(first.TryGetProperty(p, out _), p);
        }
    }

    [Fact]
    public void The_corpus_loads_with_the_wav_folder_loader_classes_in_sorted_order()
    {
        var split = DataSetLoader.Open(corpus.Dir, new DataSetOptions(1, Rate, 1));
        string[] expected = [.. KeywordVocabulary.Classes];
        Assert.Equal(expected, split.Train.ClassNames);
        Assert.Equal(expected, split.Test.ClassNames);
        Assert.Equal(["_silence_", "_unknown_", "down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes"], expected);
        Assert.Equal(36, split.Train.Count);
        Assert.Equal(12, split.Test.Count);
        Assert.Empty(split.Skipped);
        Assert.Equal(Enumerable.Range(0, 12).SelectMany(k => new[] { k, k, k }), split.Train.RequireLabels());
    }

    [Fact]
    public void A_missing_tool_is_one_line_naming_its_package()
    {
        var e = Assert.Throws<InvalidOperationException>(() => AudioTools.Require("tinymlops-no-such-tool"));
        Assert.Equal("tinymlops-no-such-tool not found on PATH: install the Debian package tinymlops-no-such-tool (apt-get install tinymlops-no-such-tool)", e.Message);
    }

    private IEnumerable<(string Path, float[] Samples)> Clips(Func<KeywordClip, bool> which) =>
        corpus.Manifest.Files.Where(f => which(f.Clip)).Select(f => (f.Path, WavFolderLoader.Read(File.ReadAllBytes(Path.Combine(corpus.Dir, f.Path))).Samples));

    private static (int Format, int Channels, int Rate, int Bits, int DataBytes) Header(byte[] file)
    {
        int format = 0, channels = 0, rate = 0, bits = 0;
        for (int at = 12; at + 8 <= file.Length;)
        {
            string id = System.Text.Encoding.ASCII.GetString(file, at, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 4));
            if (id == "fmt ")
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at + 8));
                channels = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at + 10));
                rate = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 12));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at + 22));
            }
            else if (id == "data")
            {
                return (format, channels, rate, bits, size);
            }

            at += 8 + size + (size & 1);
        }

        return (format, channels, rate, bits, -1);
    }

    private static double Rms(float[] x) => Math.Sqrt(x.Average(v => v * (double)v));

    /// <summary>Energy between lowHz and highHz in each 32 ms frame (512 samples, Hann window).</summary>
    private static double[] FrameEnergies(float[] x, double lowHz, double highHz)
    {
        const int N = 512;
        var energies = new List<double>();
        for (int start = 0; start + N <= x.Length; start += N)
        {
            var c = new Complex[N];
            for (int i = 0; i < N; i++)
            {
                c[i] = x[start + i] * (0.5 - (0.5 * Math.Cos(2 * Math.PI * i / N)));
            }

            Fft(c);
            double e = 0;
            for (int k = 1; k < N / 2; k++)
            {
                double f = k * (double)Rate / N;
                if (f >= lowHz && f <= highHz)
                {
                    e += c[k].Magnitude * c[k].Magnitude;
                }
            }

            energies.Add(Math.Max(e, 1e-18));
        }

        return [.. energies];
    }

    private static void Fft(Complex[] a)
    {
        int n = a.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (a[i], a[j]) = (a[j], a[i]);
            }
        }

        for (int len = 2; len <= n; len <<= 1)
        {
            var w = Complex.FromPolarCoordinates(1, -2 * Math.PI / len);
            for (int i = 0; i < n; i += len)
            {
                Complex wk = 1;
                for (int k = 0; k < len / 2; k++)
                {
                    Complex u = a[i + k], v = a[i + k + (len / 2)] * wk;
                    a[i + k] = u + v;
                    a[i + k + (len / 2)] = u - v;
                    wk *= w;
                }
            }
        }
    }
}
