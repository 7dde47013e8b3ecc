extern alias reference;

using TinyMLOps.Conformance.Support;
using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Shared.Drift;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;
using Xunit;
using RefDrift = reference::TinyMLOps.Shared.Drift;
using RefLearning = reference::TinyMLOps.Firmware.Core.Learning;
using RefModel = reference::TinyMLOps.Shared.Model;
using RefQuant = reference::TinyMLOps.Shared.Quantization;
using RefRuntime = reference::TinyMLOps.Shared.Runtime;

namespace TinyMLOps.SinglePrecision.Tests;

/// <summary>
/// What device code may assume on a board whose System.Math is single precision (docs/device-code.md): the int8 path
/// is bit-exact with the double-precision build (requantization multipliers and input quantization use casts, not
/// Math.Floor), softmax may move by one step, drift scores and the Laplace noise stay within float rounding, and the
/// head trainer learns the same.
/// </summary>
public sealed class SinglePrecisionTests
{
    [Fact]
    public void The_math_of_this_assembly_really_is_single_precision()
    {
        Assert.NotEqual(System.Math.Exp(1.0), global::System.Double.Parse("2.718281828459045", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((double)MathF.Exp(1f), System.Math.Exp(1.0));
    }

    [Fact]
    public void Requantization_multipliers_are_the_same_in_single_precision()
    {
        var rng = new Rng(1);
        for (int i = 0; i < 20000; i++)
        {
            double real = System.Double.Exp(-14 + (rng.NextFloat() * 20));
            QuantMath.QuantizeMultiplier(real, out int multiplier, out int shift);
            RefQuant.QuantMath.QuantizeMultiplier(real, out int expectedMultiplier, out int expectedShift);
            Assert.True(expectedMultiplier == multiplier && expectedShift == shift, $"{real}: {multiplier}·2^{shift} against {expectedMultiplier}·2^{expectedShift}");
        }
    }

    [Fact]
    public void Input_quantization_is_the_same_in_single_precision()
    {
        var rng = new Rng(2);
        for (int i = 0; i < 20000; i++)
        {
            float value = (rng.NextFloat() * 20) - 10;
            float scale = 0.001f + (rng.NextFloat() * 0.1f);
            int zeroPoint = rng.Next(-128, 128);
            Assert.Equal(RefQuant.QuantMath.Quantize(value, scale, zeroPoint), QuantMath.Quantize(value, scale, zeroPoint));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Int8_models_give_the_same_bytes_and_softmax_moves_at_most_one_step(int seed)
    {
        foreach (Int8Model model in new[] { PortableModels.Cnn(seed), PortableModels.Mlp(seed), PortableModels.WideConv(seed) })
        {
            byte[] file = ModelWriter.Write(model);
            var single = new Interpreter(ModelReader.Read(file));
            var reference = new RefRuntime.Interpreter(RefModel.ModelReader.Read(file));
            bool softmaxLast = model.Output.OpCode == Softmax.Code;
            var rng = new Rng(seed * 13);
            for (int sample = 0; sample < 30; sample++)
            {
                byte[] input = PortableModels.RandomInput(rng, model.InputElements);
                single.SetInputFromBytes(input, 0);
                reference.SetInputFromBytes(input, 0);
                single.Invoke();
                reference.Invoke();
                for (int i = 0; i < single.OutputLength; i++)
                {
                    int difference = Math.Abs(single.GetOutput(i) - reference.GetOutput(i));
                    Assert.True(softmaxLast ? difference <= 1 : difference == 0, $"{model.VariantId} sample {sample} output {i}: {single.GetOutput(i)} against {reference.GetOutput(i)}");
                }
            }
        }
    }

    [Fact]
    public void Drift_scores_stay_within_float_rounding_and_their_milli_fields_within_one()
    {
        var rng = new Rng(4);
        for (int trial = 0; trial < 500; trial++)
        {
            var observed = new uint[16];
            var expected = new uint[16];
            for (int i = 0; i < 16; i++)
            {
                observed[i] = (uint)rng.Next(0, 400);
                expected[i] = (uint)rng.Next(0, 400);
            }

            double psi = DriftMath.Psi(observed, expected, 0, 16);
            double refPsi = RefDrift.DriftMath.Psi(observed, expected, 0, 16);
            double js = DriftMath.JensenShannon(observed, expected, 0, 16);
            double refJs = RefDrift.DriftMath.JensenShannon(observed, expected, 0, 16);
            Assert.True(System.Double.Abs(psi - refPsi) <= 1e-5 * (1 + refPsi), $"PSI {psi} against {refPsi}");
            Assert.True(System.Double.Abs(js - refJs) <= 1e-5, $"JS {js} against {refJs}");
            Assert.InRange(DriftMath.Milli(psi) - RefDrift.DriftMath.Milli(refPsi), -1, 1);
        }
    }

    [Fact]
    public void Laplace_noise_keeps_its_scale_and_stays_finite_in_single_precision()
    {
        var rng = new Rng(5);
        const double Scale = 4;
        double sumAbs = 0;
        const int N = 200000;
        for (int i = 0; i < N; i++)
        {
            double noise = DriftMath.Laplace(rng.NextUInt() / 4294967296.0, Scale);
            Assert.True(System.Double.IsFinite(noise), "noise " + noise);
            sumAbs += System.Double.Abs(noise);
        }

        // E|X| = scale for Laplace(0, scale); 200k draws put the mean within about 1%.
        Assert.InRange(sumAbs / N, Scale * 0.98, Scale * 1.02);
        Assert.True(System.Double.IsFinite(DriftMath.Laplace(0, Scale)), "u = 0, the far tail");
    }

    [Fact]
    public void The_head_trainer_learns_the_same_in_single_precision()
    {
        Int8Model model = PortableModels.Mlp(7);
        byte[] file = ModelWriter.Write(model);
        var head = TrainableHead.Find(ModelReader.Read(file), 2);
        var refHead = reference::TinyMLOps.Shared.Federated.TrainableHead.Find(RefModel.ModelReader.Read(file), 2);
        var samples = new Samples(head.FeatureLength, head.ClassCount, 400, 8);
        var p = new TrainingParams { Epochs = 6, BatchSize = 16, LearningRate = 0.05f };
        var refP = new RefLearning.TrainingParams { Epochs = 6, BatchSize = 16, LearningRate = 0.05f };

        // Weights of order 0.3 rather than zeros, the same for both builds.
        float[][] initial = head.NewTensors();
        var rng = new Rng(9);
        foreach (float[] tensor in initial)
        {
            for (int i = 0; i < tensor.Length; i++)
            {
                tensor[i] = (rng.NextFloat() * 1.2f) - 0.6f;
            }
        }

        var single = new HeadTrainer(head);
        var reference = new RefLearning.HeadTrainer(refHead);
        single.SetGlobal(initial);
        reference.SetGlobal(initial);
        TrainingResult result = single.Train(samples, p, new Random(3));
        RefLearning.TrainingResult refResult = reference.Train(samples, refP, new Random(3));

        Assert.True(System.Double.Abs(result.LastEpochLoss - refResult.LastEpochLoss) <= 1e-3 * (1 + refResult.LastEpochLoss), $"loss {result.LastEpochLoss} against {refResult.LastEpochLoss}");
        Assert.InRange(result.LastEpochAccuracy - refResult.LastEpochAccuracy, -0.01f, 0.01f);
        Assert.True(refResult.LastEpochAccuracy > 0.5f, "the task is learnable: " + refResult.LastEpochAccuracy);
    }

    /// <summary>Features in clusters, one per class, so the head can learn them; the same set for both builds.</summary>
    private sealed class Samples : ISampleSet, RefLearning.ISampleSet
    {
        private readonly float[][] _features;
        private readonly int[] _labels;

        public Samples(int features, int classes, int count, int seed)
        {
            var rng = new Rng(seed);
            var centres = new float[classes][];
            for (int c = 0; c < classes; c++)
            {
                centres[c] = new float[features];
                for (int f = 0; f < features; f++)
                {
                    centres[c][f] = rng.NextFloat() * 4;
                }
            }

            _features = new float[count][];
            _labels = new int[count];
            for (int s = 0; s < count; s++)
            {
                _labels[s] = rng.Next(0, classes);
                _features[s] = new float[features];
                for (int f = 0; f < features; f++)
                {
                    _features[s][f] = centres[_labels[s]][f] + (rng.NextFloat() - 0.5f);
                }
            }
        }

        public int Count => _labels.Length;

        public int Label(int index) => _labels[index];

        public void Features(int index, float[] output) => Array.Copy(_features[index], output, output.Length);
    }
}
