using TinyMLOps.Firmware.Core.Protection;
using TinyMLOps.Host.Tests.Fleet.Drift;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Simulation.VirtualBoards;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Simulation.VirtualBoards;

/// <summary>
/// The device's extraction signals on real data: Fashion-MNIST test images as the normal stream, the attack sensor's
/// noise and boundary probes as the attacker's, through the firmware's own scorer and duplicate ring.
/// </summary>
public sealed class QuerySignalsOnFashionTests(ITestOutputHelper output)
{
    private sealed record Shares(double Low, double Ood, double Dup, float MeanSurprise);

    private static Shares Measure(Func<byte[], bool> read, int count)
    {
        byte[] model = DriftTestModels.MlpWithProfile;
        var classifier = new Classifier(model);
        var options = new QuerySignalOptions();
        var novelty = NoveltyScorer.ForModel(classifier.Interpreter.Model, options.NoveltyMarginNats)!;
        var duplicates = new NearDuplicates(options.DuplicateRing, options.FingerprintSlices, options.FingerprintLevels);
        var sample = new byte[classifier.InputLength];
        int low = 0, ood = 0, dup = 0;
        double surprise = 0;
        for (int i = 0; i < count; i++)
        {
            Assert.True(read(sample));
            classifier.Classify(sample, 0);
            low += classifier.TopConfidence() < options.LowConfidence ? 1 : 0;
            surprise += novelty.Surprise(sample, 0);
            ood += novelty.IsNovel(sample, 0) ? 1 : 0;
            dup += duplicates.Observe(sample, 0, sample.Length) ? 1 : 0;
        }

        return new Shares(low / (double)count, ood / (double)count, dup / (double)count, (float)(surprise / count));
    }

    [Fact]
    public void Real_images_rarely_raise_a_signal_and_extraction_queries_raise_them_most_of_the_time()
    {
        var normal = Measure(new DatasetSensor(TestData.Fashion.Test.Slice(0, 3000)).Read, 3000);
        var noise = Measure(new ExtractionAttackSensor(null, 1.0, seed: 3).Read, 1000);
        var probes = Measure(new ExtractionAttackSensor(TestData.Fashion.Test.Slice(5000, 20), 0.0, seed: 4).Read, 1000);
        output.WriteLine($"normal: low {normal.Low:P1} ood {normal.Ood:P1} dup {normal.Dup:P1} surprise {normal.MeanSurprise:F2}");
        output.WriteLine($"noise:  low {noise.Low:P1} ood {noise.Ood:P1} dup {noise.Dup:P1} surprise {noise.MeanSurprise:F2}");
        output.WriteLine($"probes: low {probes.Low:P1} ood {probes.Ood:P1} dup {probes.Dup:P1} surprise {probes.MeanSurprise:F2}");

        Assert.True(normal.Ood < 0.05, $"normal OOD {normal.Ood:P1}");
        Assert.True(normal.Dup < 0.05, $"normal duplicates {normal.Dup:P1}");
        Assert.True(noise.Ood > 0.95, $"noise OOD {noise.Ood:P1}");
        Assert.True(probes.Dup > 0.5, $"probe duplicates {probes.Dup:P1}");
    }
}
