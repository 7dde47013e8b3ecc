using TinyMLOps.Firmware.Core.Protection;
using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Firmware.Tests.Protection;

public class NoveltyScorerTests
{
    /// <summary>A reference of 8x8 images, dark on the left half and mid-grey on the right, in a 2x2 grid.</summary>
    private static DriftProfile Reference(out HistogramLayout layout)
    {
        layout = new HistogramLayout(HistogramLayout.KindImageRegions, 2, 2, 16, 2, 10, 8, 8, 1);
        var profile = layout.NewProfile();
        var rng = new Random(3);
        for (int n = 0; n < 500; n++)
        {
            var input = new sbyte[64];
            for (int i = 0; i < 64; i++)
            {
                input[i] = (sbyte)((i % 8) < 4 ? -128 + rng.Next(0, 12) : rng.Next(-10, 10));
            }

            layout.AddSample(profile, input, 0, 64, 0, 60000);
        }

        return profile;
    }

    /// <summary>Raw pixels for a scale of 1/255 and zero point -128 (raw v quantizes to v - 128).</summary>
    private static byte[] Raw(Func<int, int> pixel) => Enumerable.Range(0, 64).Select(i => (byte)pixel(i)).ToArray();

    [Fact]
    public void Inputs_like_the_reference_score_near_its_expected_surprise_and_noise_far_above()
    {
        var profile = Reference(out _);
        var scorer = new NoveltyScorer(profile, 8, 8, 1, 1f / 255f, -128, 1.5f);
        var rng = new Random(9);
        var typical = Raw(i => (i % 8) < 4 ? rng.Next(0, 12) : 128 + rng.Next(-10, 10));
        var noise = Raw(_ => rng.Next(256));

        Assert.InRange(scorer.Surprise(typical, 0), 0, scorer.ExpectedSurprise + 0.5f);
        Assert.False(scorer.IsNovel(typical, 0));
        Assert.True(scorer.Surprise(noise, 0) > scorer.ExpectedSurprise + 1.5f);
        Assert.True(scorer.IsNovel(noise, 0));

        // Mirrored: every value is plausible somewhere, but not in its own region.
        var mirrored = Raw(i => (i % 8) >= 4 ? 5 : 128);
        Assert.True(scorer.IsNovel(mirrored, 0));
    }

    [Fact]
    public void A_profile_that_does_not_fit_the_input_is_refused()
    {
        var profile = Reference(out _);
        profile.InputCounts = new uint[3];
        Assert.Throws<ArgumentException>(() => new NoveltyScorer(profile, 8, 8, 1, 1f / 255f, -128, 1.5f));
        Assert.Throws<ArgumentNullException>(() => new NoveltyScorer(null!, 8, 8, 1, 1f / 255f, -128, 1.5f));
    }
}
