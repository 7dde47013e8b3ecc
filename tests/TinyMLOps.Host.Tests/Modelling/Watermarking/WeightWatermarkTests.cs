using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Modelling.Watermarking;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Watermarking;

/// <summary>
/// One recipe (Mlp(64), 2 epochs on 20,000 images, quantized on 1,000 held-out images) with and without a
/// 64-bit mark in its first dense layer. Shared by the tests below; built once.
/// </summary>
public sealed class WatermarkFixture
{
    public WatermarkFixture()
    {
        Plain = Clone(TrainedModels.Mlp);
        Marked = Clone(TrainedModels.Mlp);
        Key = SeededKey(Marked, 1);
        Embedding = WeightWatermark.Embed(Marked, Key);
        PlainInt8 = Quantize(Plain);
        MarkedInt8 = Quantize(Marked);
    }

    public FloatModel Plain { get; }

    public FloatModel Marked { get; }

    public WatermarkKey Key { get; }

    public WatermarkEmbedResult Embedding { get; }

    public Int8Model PlainInt8 { get; }

    public Int8Model MarkedInt8 { get; }

    /// <summary>A key like <see cref="WeightWatermark.CreateKey"/> makes, but with seed and bits from <paramref name="seed"/> so runs repeat.</summary>
    public static WatermarkKey SeededKey(FloatModel model, int seed)
    {
        var rng = new Random(seed);
        return WeightWatermark.CreateKey(model) with
        {
            Seed = ((ulong)rng.NextInt64()).ToString("x16"),
            Bits = new string(Enumerable.Range(0, 64).Select(_ => rng.Next(2) == 1 ? '1' : '0').ToArray()),
        };
    }

    public static Int8Model Quantize(FloatModel model) =>
        ModelReader.Read(ModelWriter.Write(PostTrainingQuantizer.Quantize(
            model,
            TestData.Fashion.HeldOut.Take(1000),
            new QuantizationOptions { ModelId = "fashion", VariantId = "mlp-64", Equalization = false })));

    /// <summary>A copy of an Mlp(64) with its own weight arrays.</summary>
    public static FloatModel Clone(FloatModel source)
    {
        FloatModel copy = ModelZoo.Mlp(hidden: 64);
        DenseLayer[] from = source.Layers.OfType<DenseLayer>().ToArray();
        DenseLayer[] to = copy.Layers.OfType<DenseLayer>().ToArray();
        for (int l = 0; l < from.Length; l++)
        {
            from[l].Weights.CopyTo(to[l].Weights, 0);
            from[l].Bias.CopyTo(to[l].Bias, 0);
        }

        return copy;
    }
}

public sealed class WeightWatermarkTests(WatermarkFixture f, ITestOutputHelper output) : IClassFixture<WatermarkFixture>
{
    [Fact]
    public void The_marked_int8_model_is_within_0_3_points_of_the_same_recipe_without_the_mark()
    {
        ImageDataset test = TestData.Fashion.Test;
        double plain = Evaluation.Evaluate(f.PlainInt8, test).Accuracy * 100;
        double marked = Evaluation.Evaluate(f.MarkedInt8, test).Accuracy * 100;
        output.WriteLine($"int8 accuracy without mark {plain:F2}%, with mark {marked:F2}% (cost {plain - marked:F2} points); "
            + $"{f.Embedding.BitsChanged} bits nudged, ‖δ‖/‖w‖ = {f.Embedding.RelativeChange:P2}");
        Assert.InRange(plain - marked, -0.3, 0.3);
        Assert.True(plain > 80, $"the recipe reaches {plain:F2}%");
    }

    [Fact]
    public void Every_bit_reads_back_from_the_float_model_and_after_int8_quantization()
    {
        WatermarkReading floatRead = WeightWatermark.Verify(f.Marked, f.Key);
        WatermarkReading int8Read = WeightWatermark.Verify(f.MarkedInt8, f.Key);
        output.WriteLine($"BER float {floatRead.BitErrorRate:P1}, int8 {int8Read.BitErrorRate:P1}, p = {int8Read.FalsePositiveProbability:E2}");
        Assert.Equal(0, floatRead.Errors);
        Assert.Equal(0, int8Read.Errors);
        Assert.True(int8Read.IsMatch);
        Assert.True(int8Read.FalsePositiveProbability < 1e-18);
    }

    [Fact]
    public void Fine_tuning_the_last_layer_on_fresh_data_and_requantizing_keeps_every_bit()
    {
        // The device-side path: the head (last dense layer) trained by SGD on 3,000 images the model never saw,
        // then re-quantized by the host into a new int8 model.
        Int8Model baseModel = WatermarkFixture.Quantize(f.Marked);
        TrainableHead head = TrainableHead.Find(baseModel, 1);
        var trainer = new HeadTrainer(head);
        float[][] start = head.NewTensors();
        head.Dequantize(baseModel, start);
        trainer.SetGlobal(start);
        ImageDataset fresh = TestData.Fashion.Train.Slice(30_000, 3000);
        int[] all = Enumerable.Range(0, fresh.Count).ToArray();
        var samples = new Samples(Features(baseModel, head, fresh), all.Select(i => (int)fresh.Labels[i]).ToArray());
        trainer.Train(samples, new TrainingParams { Epochs = 3, BatchSize = 16, LearningRate = 0.05f }, new Random(5));
        HeadQuantizationResult tuned = HeadQuantizer.Requantize(baseModel, head, trainer.Weights, TestData.Fashion.HeldOut);

        Assert.NotEqual(baseModel.ContentHash, tuned.Model.ContentHash);
        WatermarkReading read = WeightWatermark.Verify(ModelReader.Read(tuned.File), f.Key);
        output.WriteLine($"BER after last-layer fine-tuning {read.BitErrorRate:P1}");
        Assert.Equal(0, read.Errors);
    }

    [Fact]
    public void Fine_tuning_every_layer_for_an_epoch_on_fresh_data_leaves_the_mark_readable()
    {
        // A stronger attack than the brief's: the whole float model trained on 10,000 fresh images, then quantized.
        FloatModel stolen = WatermarkFixture.Clone(f.Marked);
        Trainer.Train(stolen, TestData.Fashion.Train.Slice(30_000, 10_000), new TrainingOptions { Epochs = 1, Seed = 9, InitializeWeights = false, LearningRate = 5e-4f });
        WatermarkReading read = WeightWatermark.Verify(WatermarkFixture.Quantize(stolen), f.Key);
        output.WriteLine($"BER after one epoch of full fine-tuning {read.BitErrorRate:P1} ({read.Errors} of {read.BitCount}), p = {read.FalsePositiveProbability:E2}");
        Assert.True(read.IsMatch, $"BER {read.BitErrorRate:P1}");
    }

    [Fact]
    public void An_unmarked_model_and_a_model_checked_with_another_key_read_about_half_the_bits_wrong_and_do_not_match()
    {
        var readings = new List<WatermarkReading>
        {
            WeightWatermark.Verify(f.PlainInt8, f.Key),
            WeightWatermark.Verify(f.MarkedInt8, WatermarkFixture.SeededKey(f.Marked, 2)),
        };

        // Twenty more keys against the unmarked model: none matches, and the mean BER is near one half.
        for (int i = 0; i < 20; i++)
        {
            readings.Add(WeightWatermark.Verify(f.PlainInt8, WatermarkFixture.SeededKey(f.Plain, 100 + i)));
        }

        double mean = readings.Average(r => r.BitErrorRate);
        output.WriteLine($"BER unmarked {readings[0].BitErrorRate:P1}, other key {readings[1].BitErrorRate:P1}, "
            + $"mean of {readings.Count} {mean:P1}, lowest {readings.Min(r => r.BitErrorRate):P1}");
        Assert.All(readings, r => Assert.False(r.IsMatch, $"BER {r.BitErrorRate:P1} matched"));
        Assert.All(readings, r => Assert.InRange(r.BitErrorRate, 0.3, 0.7));
        Assert.InRange(mean, 0.42, 0.58);
    }

    [Fact]
    public void The_threshold_of_one_quarter_over_64_bits_gives_an_unmarked_model_less_than_1e_4_chance()
    {
        Assert.True(WeightWatermark.BinomialTail(64, 16) < 1e-4);
        Assert.True(WeightWatermark.BinomialTail(64, 17) > WeightWatermark.BinomialTail(64, 16));
        Assert.Equal(1.0 / Math.Pow(2, 64), WeightWatermark.BinomialTail(64, 0), 1e-30);
        Assert.Equal(0.5, WeightWatermark.BinomialTail(63, 31), 1e-9);
    }

    [Fact]
    public void A_new_key_has_64_random_bits_and_a_fresh_secret_seed_and_round_trips_through_json()
    {
        WatermarkKey a = WeightWatermark.CreateKey(f.Plain);
        WatermarkKey b = WeightWatermark.CreateKey(f.Plain);
        Assert.Equal(64, a.BitCount);
        Assert.Equal((784, 64, 0), (a.Inputs, a.Units, a.Layer));
        Assert.NotEqual(a.Seed, b.Seed);
        Assert.Equal(a, WatermarkKey.FromJson(a.ToJson()));
    }

    [Fact]
    public void A_key_round_trips_through_json_and_refuses_a_model_of_another_shape()
    {
        WatermarkKey back = WatermarkKey.FromJson(f.Key.ToJson());
        Assert.Equal(f.Key, back);
        Assert.Equal(0, WeightWatermark.Verify(f.MarkedInt8, back).Errors);
        WatermarkKey wrongShape = back with { Inputs = 100 };
        Assert.Throws<ArgumentException>(() => WeightWatermark.Verify(f.MarkedInt8, wrongShape));
        Assert.Throws<FormatException>(() => WatermarkKey.FromJson(f.Key.ToJson().Replace("\"bits\": \"", "\"bits\": \"2")));
    }

    private static float[][] Features(Int8Model model, TrainableHead head, ImageDataset data)
    {
        var interpreter = new Interpreter(ModelReader.Read(ModelWriter.Write(model)));
        int at = interpreter.Model.Operators[head.FirstOperator].InputOffset;
        var features = new float[data.Count][];
        for (int k = 0; k < data.Count; k++)
        {
            interpreter.SetInputFromBytes(data.Pixels, k * data.PixelsPerImage);
            interpreter.InvokeRange(0, head.FirstOperator);
            features[k] = new float[head.FeatureLength];
            head.ReadFeatures(interpreter.Arena, at, features[k]);
        }

        return features;
    }

    private sealed class Samples(float[][] features, int[] labels) : ISampleSet
    {
        public int Count => labels.Length;

        public int Label(int index) => labels[index];

        public void Features(int index, float[] output) => features[index].CopyTo(output, 0);
    }
}
