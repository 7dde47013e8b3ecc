using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TinyMLOps.Simulation.Signals;

/// <summary>One file of the corpus in its manifest: its parameters and what rendering measured.</summary>
public sealed record KeywordCorpusFile(string Path, KeywordClip Clip, KeywordRendering Rendering);

/// <summary>corpus.json: how the corpus was made, enough to make it again.</summary>
public sealed record KeywordCorpusManifest(
    int Seed,
    int SampleRate,
    int ClipSamples,
    IReadOnlyDictionary<string, string> Tools,
    IReadOnlyList<string> Classes,
    IReadOnlyList<string> Distractors,
    IReadOnlyList<string> TrainSpeakers,
    IReadOnlyList<string> TestSpeakers,
    IReadOnlyList<KeywordCorpusFile> Files);

/// <summary>
/// A spoken-keyword data set made with espeak-ng and sox (docs/tasks.md, "Keywords"): OUT/train/CLASS/*.wav and
/// OUT/test/CLASS/*.wav for the ten Speech Commands keywords, _unknown_ and _silence_, 1 s at 16 kHz, with
/// OUT/corpus.json. The seed fixes every parameter; the tools fix the rest (espeak-ng's output is deterministic).
/// </summary>
public static class KeywordCorpus
{
    public const string ManifestFile = "corpus.json";

    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes the corpus of <paramref name="plan"/> to <paramref name="output"/>; <paramref name="progress"/> gets a line every <paramref name="every"/> files.</summary>
    public static KeywordCorpusManifest Generate(string output, KeywordCorpusPlan plan, int jobs = 0, Action<string>? progress = null, int every = 100)
    {
        ArgumentNullException.ThrowIfNull(plan);
        AudioTools.Require(AudioTools.Espeak, AudioTools.Sox);
        var tools = new Dictionary<string, string>
        {
            [AudioTools.Espeak] = AudioTools.Version(AudioTools.Espeak),
            [AudioTools.Sox] = AudioTools.Version(AudioTools.Sox),
        };

        foreach (string split in new[] { "train", "test" })
        {
            foreach (string cls in KeywordVocabulary.Classes)
            {
                Directory.CreateDirectory(Path.Combine(output, split, cls));
            }
        }

        string work = Directory.CreateTempSubdirectory("tinymlops-kws-banks-").FullName;
        try
        {
            var renderer = new KeywordClipRenderer(work);
            var renderings = new KeywordRendering[plan.Clips.Count];
            int done = 0;
            var clock = Stopwatch.StartNew();
            Parallel.For(0, plan.Clips.Count, new ParallelOptions { MaxDegreeOfParallelism = jobs > 0 ? jobs : Environment.ProcessorCount }, i =>
            {
                renderings[i] = renderer.Render(plan.Clips[i], Path.Combine(output, plan.Clips[i].Path));
                int n = Interlocked.Increment(ref done);
                if (progress != null && (n % Math.Max(1, every) == 0 || n == plan.Clips.Count))
                {
                    progress($"{n}/{plan.Clips.Count} files, {clock.Elapsed.TotalSeconds:F1} s");
                }
            });

            var manifest = new KeywordCorpusManifest(
                plan.Seed,
                KeywordCorpusPlan.SampleRate,
                KeywordCorpusPlan.ClipSamples,
                tools,
                KeywordVocabulary.Classes,
                KeywordVocabulary.Distractors,
                plan.TrainSpeakers,
                plan.TestSpeakers,
                [.. plan.Clips.Select((c, i) => new KeywordCorpusFile(c.Path, c, renderings[i]))]);
            File.WriteAllText(Path.Combine(output, ManifestFile), JsonSerializer.Serialize(manifest, Json));
            return manifest;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
