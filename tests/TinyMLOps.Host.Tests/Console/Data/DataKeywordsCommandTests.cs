using TinyMLOps.Simulation.Signals;

namespace TinyMLOps.Host.Tests.Console.Data;

public sealed class DataKeywordsCommandTests : ConsoleTest
{
    [Fact]
    public void Data_keywords_writes_both_splits_and_the_manifest_with_progress_lines()
    {
        string output = Path.Combine(Dir.FullName, "kws");
        Assert.Equal(0, Run("data", "keywords", "--out", output, "--per-class", "1", "--seed", "5"));

        Assert.True(File.Exists(Path.Combine(output, KeywordCorpus.ManifestFile)));
        Assert.Equal(12, Directory.GetFiles(Path.Combine(output, "train"), "*.wav", SearchOption.AllDirectories).Length);
        Assert.Equal(12, Directory.GetFiles(Path.Combine(output, "test"), "*.wav", SearchOption.AllDirectories).Length);
        string text = Out.ToString();
        Assert.Contains("24/24 files", text, StringComparison.Ordinal);
        Assert.Contains("wrote 24 clips (1 train and 1 test per class, 12 classes)", text, StringComparison.Ordinal);
    }
}
