using System.Globalization;
using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Simulation.Signals;

/// <summary>What rendering measured: the word's length and level after sox, where it was placed, the noise gain.</summary>
public sealed record KeywordRendering(int WordSamples, double? WordRmsDb, int ShiftSamples, double NoiseGainDb);

/// <summary>
/// Renders one <see cref="KeywordClip"/> with espeak-ng and sox into a 1 s, 16 kHz, mono, 16-bit WAV: speak the word,
/// trim its leading and trailing silence, optionally reverberate, resample and set its peak; place it at its shift in
/// the second; add a second of background cut from a noise bank at the clip's SNR. sox runs with -R -D (repeatable,
/// no dither), so the same inputs give the same bytes.
/// </summary>
public sealed class KeywordClipRenderer
{
    private static readonly string[] SoxCommon = ["-R", "-D", "-V1"];
    private readonly string _banks;
    private readonly Dictionary<string, double> _bankRmsDb = [];

    /// <summary>Makes the noise banks (sox synth, -R: the same every time) in <paramref name="work"/>.</summary>
    public KeywordClipRenderer(string work)
    {
        _banks = work;
        foreach (string kind in KeywordCorpusPlan.NoiseKinds)
        {
            string bank = Bank(kind);
            AudioTools.Run(AudioTools.Sox, [.. SoxCommon, "-n", .. Format, bank, "synth", Num(KeywordCorpusPlan.NoiseBankSeconds), kind, "gain", "-n", "-1"]);
            _bankRmsDb[kind] = RmsDb(WavFolderLoader.Read(File.ReadAllBytes(bank)).Samples);
        }
    }

    private static string[] Format => ["-r", Num(KeywordCorpusPlan.SampleRate), "-c", "1", "-b", "16"];

    public KeywordRendering Render(KeywordClip clip, string output)
    {
        ArgumentNullException.ThrowIfNull(clip);
        string bank = Bank(clip.Noise);
        string[] cut = ["trim", $"{clip.NoiseOffset}s", $"{KeywordCorpusPlan.ClipSamples}s"];
        if (clip.Word == null)
        {
            double gain = clip.NoiseDb!.Value - _bankRmsDb[clip.Noise];
            AudioTools.Run(AudioTools.Sox, [.. SoxCommon, bank, output, .. cut, "vol", Db(gain)]);
            return new KeywordRendering(0, null, 0, Math.Round(gain, 2));
        }

        string tmp = Directory.CreateTempSubdirectory("tinymlops-kws-").FullName;
        try
        {
            string speech = Path.Combine(tmp, "speech.wav"), word = Path.Combine(tmp, "word.wav");
            string placed = Path.Combine(tmp, "placed.wav"), noise = Path.Combine(tmp, "noise.wav");
            AudioTools.Run(AudioTools.Espeak, ["-v", clip.Speaker, "-s", Num(clip.Speed), "-p", Num(clip.Pitch), "-w", speech, clip.Word]);

            string[] trim = ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"];
            string[] reverb = clip.Reverberance > 0 ? ["reverb", Num(clip.Reverberance), "50", Num(clip.RoomScale)] : [];
            AudioTools.Run(AudioTools.Sox, [.. SoxCommon, speech, .. Format, word, .. trim, .. reverb, "gain", "-n", Num(clip.PeakDb)]);

            float[] samples = WavFolderLoader.Read(File.ReadAllBytes(word)).Samples;
            int length = Math.Min(samples.Length, KeywordCorpusPlan.ClipSamples);
            int shift = (int)Math.Round(clip.Shift * (KeywordCorpusPlan.ClipSamples - length));
            double wordDb = RmsDb(samples.AsSpan(0, length));
            double noiseGain = wordDb - clip.SnrDb!.Value - _bankRmsDb[clip.Noise];
            AudioTools.Run(AudioTools.Sox, [.. SoxCommon, word, placed, "pad", $"{shift}s", $"{KeywordCorpusPlan.ClipSamples}s", "trim", "0", $"{KeywordCorpusPlan.ClipSamples}s"]);
            AudioTools.Run(AudioTools.Sox, [.. SoxCommon, bank, noise, .. cut, "vol", Db(noiseGain)]);
            AudioTools.Run(AudioTools.Sox, [.. SoxCommon, "-m", "-v", "1", placed, "-v", "1", noise, output]);
            return new KeywordRendering(length, Math.Round(wordDb, 2), shift, Math.Round(noiseGain, 2));
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>RMS level in dBFS (full scale = 1).</summary>
    public static double RmsDb(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x)
        {
            sum += v * (double)v;
        }

        return 10 * Math.Log10(Math.Max(sum / Math.Max(1, x.Length), 1e-20));
    }

    private string Bank(string kind) => Path.Combine(_banks, $"{kind}.wav");

    private static string Num(double v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Db(double v) => v.ToString("F2", CultureInfo.InvariantCulture) + "dB";
}
