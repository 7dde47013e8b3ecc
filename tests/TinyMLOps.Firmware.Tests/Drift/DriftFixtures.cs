using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Shared.Drift;

namespace TinyMLOps.Firmware.Tests.Drift;

/// <summary>
/// A synthetic 28x28x1 int8 "camera": region r of a 4x4 grid has pixels around -100 + 12 r (sd 20), ten classes
/// about equally likely, confidences mostly high. The reference profile is built from 20,000 of its samples.
/// </summary>
internal sealed class DriftFixtures
{
    public const int Size = 28;
    public const int Classes = 10;

    private readonly Random _rng;

    public DriftFixtures(int seed = 1)
    {
        _rng = new Random(seed);
    }

    public static HistogramLayout Layout { get; } = new(HistogramLayout.KindImageRegions, 4, 4, 16, Classes, 10, Size, Size, 1);

    /// <summary>Built once: every test reads the same reference.</summary>
    public static DriftProfile Reference { get; } = BuildReference();

    public static DriftMonitor Monitor(DriftOptions? options = null, int seed = 7) =>
        new(Reference, Size, Size, 1, options ?? new DriftOptions { Epsilon = 0 }, new Random(seed));

    /// <summary>One sample; brightness is added to every pixel (clamped to the int8 range).</summary>
    public (sbyte[] Input, int Class, int Confidence) Sample(int brightness = 0)
    {
        var input = new sbyte[Size * Size];
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                int region = HistogramLayout.Region(y, x, Size, Size, 4, 4);
                double gaussian = Math.Sqrt(-2 * Math.Log(1 - _rng.NextDouble())) * Math.Cos(2 * Math.PI * _rng.NextDouble());
                int q = (int)Math.Round(-100 + (12 * region) + (20 * gaussian)) + brightness;
                input[(y * Size) + x] = (sbyte)Math.Clamp(q, -128, 127);
            }
        }

        int confidence = (int)(65535 * (1 - (0.5 * _rng.NextDouble() * _rng.NextDouble())));
        return (input, _rng.Next(Classes), confidence);
    }

    public void Feed(DriftMonitor monitor, int count, int brightness = 0)
    {
        for (int i = 0; i < count; i++)
        {
            var (input, cls, confidence) = Sample(brightness);
            monitor.Observe(input, 0, input.Length, cls, confidence);
        }
    }

    private static DriftProfile BuildReference()
    {
        var source = new DriftFixtures(1000);
        var profile = Layout.NewProfile();
        for (int i = 0; i < 20_000; i++)
        {
            var (input, cls, confidence) = source.Sample();
            Layout.AddSample(profile, input, 0, input.Length, cls, confidence);
        }

        return profile;
    }
}
