using System.Text.Json.Serialization;

namespace TinyMLOps.Simulation.Signals;

/// <summary>One clip's parameters, drawn from the seed before any tool runs.</summary>
/// <param name="Word">The spoken word; null for silence.</param>
/// <param name="Speed">espeak-ng -s, words per minute.</param>
/// <param name="Pitch">espeak-ng -p, 0 to 99.</param>
/// <param name="PeakDb">The word's peak after sox gain -n, dBFS.</param>
/// <param name="Shift">Where the word starts, as a fraction of the room left in the second.</param>
/// <param name="Reverberance">sox reverb's reverberance in %, 0 for no reverb.</param>
/// <param name="RoomScale">sox reverb's room scale in %.</param>
/// <param name="Noise">The background: brownnoise or pinknoise (sox synth).</param>
/// <param name="NoiseOffset">Where the background starts in its noise bank, in samples.</param>
/// <param name="SnrDb">Word RMS over noise RMS, dB; null for silence.</param>
/// <param name="NoiseDb">The noise RMS of a silence clip, dBFS; null for words.</param>
public sealed record KeywordClip(
    string Split,
    string Class,
    int Index,
    string? Word,
    string? Voice,
    string? Variant,
    int Speed,
    int Pitch,
    double PeakDb,
    double Shift,
    int Reverberance,
    int RoomScale,
    string Noise,
    int NoiseOffset,
    double? SnrDb,
    double? NoiseDb)
{
    public string Speaker => Voice == null ? string.Empty : $"{Voice}+{Variant}";

    /// <summary>The clip's path below the corpus folder, e.g. train/yes/0003_en-us+m2.wav.</summary>
    [JsonIgnore]
    public string Path => $"{Split}/{Class}/{Index:D4}_{(Word == null ? Noise : Speaker)}.wav";
}

/// <summary>
/// The corpus's clips and its split by speaker, from a seed: the test split speaks with one male and one female
/// variant held out from training (in every voice), so a model is tested on timbres it has not heard.
/// </summary>
public sealed class KeywordCorpusPlan
{
    public const int SampleRate = 16000;
    public const int ClipSamples = SampleRate;

    /// <summary>Seconds of each noise bank the backgrounds are cut from.</summary>
    public const int NoiseBankSeconds = 60;

    public static IReadOnlyList<string> NoiseKinds { get; } = ["brownnoise", "pinknoise"];

    public KeywordCorpusPlan(int seed, int trainPerClass, int testPerClass)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainPerClass, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(testPerClass, 1);
        Seed = seed;
        var random = new Random(seed);
        string male = KeywordVocabulary.MaleVariants[random.Next(KeywordVocabulary.MaleVariants.Count)];
        string female = KeywordVocabulary.FemaleVariants[random.Next(KeywordVocabulary.FemaleVariants.Count)];
        string[] variants = [.. KeywordVocabulary.MaleVariants, .. KeywordVocabulary.FemaleVariants];
        TestSpeakers = [.. KeywordVocabulary.Voices.SelectMany(v => new[] { $"{v}+{male}", $"{v}+{female}" })];
        TrainSpeakers = [.. KeywordVocabulary.Voices.SelectMany(v => variants.Where(x => x != male && x != female).Select(x => $"{v}+{x}"))];

        var clips = new List<KeywordClip>();
        foreach (var (split, count, speakers) in new[] { ("train", trainPerClass, TrainSpeakers), ("test", testPerClass, TestSpeakers) })
        {
            foreach (string cls in KeywordVocabulary.Classes)
            {
                for (int i = 0; i < count; i++)
                {
                    clips.Add(Draw(random, split, cls, i, speakers));
                }
            }
        }

        Clips = clips;
    }

    public int Seed { get; }

    public IReadOnlyList<string> TrainSpeakers { get; }

    public IReadOnlyList<string> TestSpeakers { get; }

    public IReadOnlyList<KeywordClip> Clips { get; }

    private static KeywordClip Draw(Random random, string split, string cls, int index, IReadOnlyList<string> speakers)
    {
        string? word = cls switch
        {
            KeywordVocabulary.Silence => null,
            KeywordVocabulary.Unknown => KeywordVocabulary.Distractors[random.Next(KeywordVocabulary.Distractors.Count)],
            _ => cls,
        };
        string[] speaker = speakers[random.Next(speakers.Count)].Split('+');
        bool reverb = random.NextDouble() < 0.3;
        string noise = NoiseKinds[random.Next(NoiseKinds.Count)];
        int offset = random.Next(((NoiseBankSeconds - 1) * SampleRate) + 1);
        double snr = Uniform(random, 5, 30), floor = Uniform(random, -70, -40);
        return new KeywordClip(
            split,
            cls,
            index,
            word,
            word == null ? null : speaker[0],
            word == null ? null : speaker[1],
            Speed: random.Next(120, 221),
            Pitch: random.Next(20, 81),
            PeakDb: Math.Round(Uniform(random, -15, -3), 1),
            Shift: Math.Round(random.NextDouble(), 3),
            Reverberance: reverb ? random.Next(10, 71) : 0,
            RoomScale: reverb ? random.Next(10, 101) : 0,
            noise,
            offset,
            SnrDb: word == null ? null : Math.Round(snr, 1),
            NoiseDb: word == null ? Math.Round(floor, 1) : null);
    }

    private static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());
}
