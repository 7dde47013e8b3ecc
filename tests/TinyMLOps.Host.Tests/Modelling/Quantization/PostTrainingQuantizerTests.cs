using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Float;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Modelling.Training;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

public class PostTrainingQuantizerTests
{
    [Fact]
    public void Logits_feeding_a_softmax_saturate_only_far_below_the_lowest_top_logit()
    {
        var stats = new CalibrationStats(2);
        stats.Observe(0, [-40f, 3f, 2f]);  // the least confident sample: top logit 3
        stats.Observe(0, [-30f, 25f, -5f]);

        float floor = PostTrainingQuantizer.LogitFloor(stats, 0, classes: 3);

        // ln(512 * 3) + 1 = 8.34 below the lowest top logit; a logit under it adds < 1/512 to any softmax output.
        Assert.Equal(3f - (float)(Math.Log(1536) + 1), floor, 4);
        Assert.Equal(-40f, PostTrainingQuantizer.LogitFloor(new CalibrationStatsBuilder(-40f, -39f).Stats, 0, 3));
    }

    [Fact]
    public void The_logits_of_a_trained_MLP_get_a_finer_scale_than_their_full_range_would_give()
    {
        CalibrationStats stats = PostTrainingQuantizer.Calibrate(TrainedModels.Mlp, TestData.Fashion.HeldOut.Take(1_000));
        Int8Model q = PostTrainingQuantizer.Quantize(TrainedModels.Mlp, stats);
        int logits = q.Operators.Length - 2;
        float fullRangeScale = PostTrainingQuantizer.ChooseActivationParams(stats.LayerMin[logits], stats.LayerMax[logits]).Scale;
        Assert.True(q.Operators[logits].OutScale < fullRangeScale, $"{q.Operators[logits].OutScale} vs {fullRangeScale}");
    }

    private sealed class CalibrationStatsBuilder
    {
        public CalibrationStatsBuilder(float min, float peak)
        {
            Stats = new CalibrationStats(1);
            Stats.Observe(0, [min, peak]);
        }

        public CalibrationStats Stats { get; }
    }

    [Fact]
    public void A_briefly_trained_MLP_loses_less_than_one_point_when_quantized()
    {
        FloatModel model = TrainedModels.Mlp;
        ImageDataset test = TestData.Fashion.Test;
        double floatAcc = Evaluation.Evaluate(model, test).Accuracy;
        Int8Model q = PostTrainingQuantizer.Quantize(model, TestData.Fashion.HeldOut, new QuantizationOptions { CalibrationSamples = 1_000 });
        EvaluationResult int8 = Evaluation.Evaluate(q, test);
        Assert.Equal(10_000, int8.Total);
        Assert.True(int8.Accuracy >= 0.80, $"int8 accuracy {int8}");
        Assert.True(Math.Abs(floatAcc - int8.Accuracy) <= 0.010, $"float {floatAcc:P2} vs int8 {int8.Accuracy:P2}");
    }

    [Fact]
    public void A_briefly_trained_CNN_runs_in_the_interpreter_within_one_and_a_half_points_of_float()
    {
        FloatModel model = TrainedModels.Cnn;
        ImageDataset test = TestData.Fashion.Test;
        double floatAcc = Evaluation.Evaluate(model, test).Accuracy;
        Int8Model q = PostTrainingQuantizer.Quantize(model, TestData.Fashion.HeldOut, new QuantizationOptions { CalibrationSamples = 1_000 });
        Assert.Equal(["Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Reshape", "FullyConnected", "Softmax"], q.Operators.Select(o => o.Name));
        var interpreter = new Interpreter(q);
        EvaluationResult int8 = Evaluation.Evaluate(interpreter, test);
        Assert.True(floatAcc > 0.75, $"float accuracy {floatAcc}");
        Assert.True(Math.Abs(floatAcc - int8.Accuracy) <= 0.015, $"float {floatAcc:P2} vs int8 {int8.Accuracy:P2}");
    }

    [Fact]
    public void Per_channel_weights_use_the_full_int8_range_of_every_channel()
    {
        Int8Model q = PostTrainingQuantizer.Quantize(TrainedModels.Mlp, TestData.Fashion.HeldOut.Take(200));
        FullyConnected[] fcs = q.Operators.OfType<FullyConnected>().ToArray();
        Assert.Equal(2, fcs.Length);
        foreach (FullyConnected fc in fcs)
        {
            for (int o = 0; o < fc.OutC; o++)
            {
                int maxAbs = 0;
                for (int i = 0; i < fc.InC; i++)
                {
                    maxAbs = Math.Max(maxAbs, Math.Abs((int)(sbyte)fc.Weights[fc.WeightsOffset + (o * fc.InC) + i]));
                }

                Assert.Equal(127, maxAbs);
            }

            Assert.Equal(fc.OutC, fc.WeightScales.Distinct().Count());
        }
    }

    [Fact]
    public void The_quantized_model_round_trips_through_the_model_format_with_identical_outputs()
    {
        Int8Model q = PostTrainingQuantizer.Quantize(TrainedModels.Cnn, TestData.Fashion.HeldOut.Take(300), new QuantizationOptions { ModelId = "fmnist-cnn", VariantId = "ptq" });
        byte[] file = ModelWriter.Write(q);
        Int8Model back = ModelReader.Read(file);
        Assert.Equal("fmnist-cnn", back.ModelId);
        Assert.Equal("ptq", back.VariantId);
        Assert.Equal(FashionMnist.ClassNames, back.Labels);
        Assert.Equal(q.ContentHash, back.ContentHash);
        Assert.Equal(file, ModelWriter.Write(back));
        Assert.Equal(1f / 255f, back.InputScale);
        Assert.Equal(-128, back.InputZeroPoint);

        var a = new Interpreter(q);
        var b = new Interpreter(back);
        ImageDataset test = TestData.Fashion.Test;
        for (int i = 0; i < 100; i++)
        {
            a.SetInputFromBytes(test.Pixels, i * 784);
            b.SetInputFromBytes(test.Pixels, i * 784);
            a.Invoke();
            b.Invoke();
            for (int k = 0; k < 10; k++)
            {
                Assert.Equal(a.GetOutput(k), b.GetOutput(k));
            }
        }
    }

    [Fact]
    public void Operators_get_the_quantization_the_runtime_requires()
    {
        Int8Model q = PostTrainingQuantizer.Quantize(TrainedModels.Cnn, TestData.Fashion.HeldOut.Take(300));
        Operator[] ops = q.Operators;
        Assert.Equal(Activation.Relu, ops[0].FusedActivation);
        Assert.Equal(-128, ops[0].OutZeroPoint); // relu output: min 0
        Assert.Equal(ops[0].OutScale, ops[1].OutScale); // max pool shares its input's quantization
        Assert.Equal(ops[2].OutZeroPoint, ops[4].OutZeroPoint); // reshape too (through the second pool)
        Assert.Equal(new[] { 1, 1, 392 }, new[] { ops[4].OutH, ops[4].OutW, ops[4].OutC });
        Assert.Equal(Activation.None, ops[5].FusedActivation);
        Assert.Equal(1f / 256f, ops[6].OutScale);
        Assert.Equal(-128, ops[6].OutZeroPoint);
        var conv = (Conv2D)ops[0];
        Assert.Equal(1, conv.Window.PadTop);
        Assert.Equal(3, conv.Window.KernelW);
    }

    [Fact]
    public void Biases_are_quantized_at_input_scale_times_weight_scale()
    {
        var model = new FloatModel("fc", new TensorShape(1, 1, 3), [new DenseLayer(3, 2)]);
        var d = (DenseLayer)model.Layers[0];
        float[] w = [0.5f, -1.0f, 0.25f, 0.1f, 0.2f, -0.3f];
        w.CopyTo(d.Weights, 0);
        d.Bias[0] = 0.3f;
        d.Bias[1] = -0.05f;
        var stats = new CalibrationStats(1) { InputMin = 0, InputMax = 1 };
        stats.LayerMin[0] = -2;
        stats.LayerMax[0] = 2;
        Int8Model q = PostTrainingQuantizer.Quantize(model, stats);
        var fc = (FullyConnected)q.Operators[0];
        Assert.Equal(1.0f / 127f, fc.WeightScales[0], 6);
        Assert.Equal(0.3f / 127f, fc.WeightScales[1], 6);
        Assert.Equal(1f / 255f, q.InputScale);
        Assert.Equal(QuantMath.RoundToInt(0.3f / ((double)q.InputScale * fc.WeightScales[0])), fc.Bias[0]);
        Assert.Equal(QuantMath.RoundToInt(-0.05f / ((double)q.InputScale * fc.WeightScales[1])), fc.Bias[1]);
        Assert.InRange(fc.Bias[0], 9715, 9716);
        Assert.Equal(new sbyte[] { 64, -127, 32, 42, 85, -127 }, Enumerable.Range(0, 6).Select(i => (sbyte)fc.Weights[i]));
    }

    [Fact]
    public void An_all_zero_channel_still_outputs_its_bias()
    {
        var model = new FloatModel("fc", new TensorShape(1, 1, 4), [new DenseLayer(4, 2, FloatActivation.None)]);
        var d = (DenseLayer)model.Layers[0];
        d.Weights[0] = 0.7f;
        d.Bias[1] = 0.4f; // channel 1: no weights at all
        var stats = new CalibrationStats(1) { InputMin = 0, InputMax = 1 };
        stats.LayerMin[0] = -1;
        stats.LayerMax[0] = 1;
        Int8Model q = PostTrainingQuantizer.Quantize(model, stats);
        var interpreter = new Interpreter(q);
        interpreter.SetInputFromFloats([1f, 1f, 1f, 1f], 0);
        interpreter.Invoke();
        Operator op = q.Operators[0];
        Assert.Equal(0.4f, QuantMath.Dequantize(interpreter.GetOutput(1), op.OutScale, op.OutZeroPoint), 2);
        Assert.Equal(0.7f, QuantMath.Dequantize(interpreter.GetOutput(0), op.OutScale, op.OutZeroPoint), 2);
    }

    [Theory]
    [InlineData(0f, 1f, 1f / 255f, -128)]
    [InlineData(-1f, 1f, 2f / 255f, -1)]
    [InlineData(-3f, -1f, 3f / 255f, 127)]
    [InlineData(0.5f, 2f, 2f / 255f, -128)]
    [InlineData(0f, 0f, PostTrainingQuantizer.MinRange / 255f, -128)]
    public void Activation_ranges_always_contain_an_exact_zero(float min, float max, float scale, int zeroPoint)
    {
        QuantParams p = PostTrainingQuantizer.ChooseActivationParams(min, max);
        Assert.Equal(scale, p.Scale, 1e-6f * Math.Max(1f, scale));
        Assert.Equal(zeroPoint, p.ZeroPoint);
        Assert.Equal(0f, QuantMath.Dequantize(p.ZeroPoint, p.Scale, p.ZeroPoint));
        Assert.True(p.RealMin <= Math.Min(min, 0f) + p.Scale && p.RealMax >= Math.Max(max, 0f) - p.Scale);
    }

    [Fact]
    public void Calibration_ranges_match_the_reference_float_inference()
    {
        FloatModel model = TrainedModels.Cnn;
        ImageDataset data = TestData.Fashion.HeldOut.Take(40);
        CalibrationStats stats = PostTrainingQuantizer.Calibrate(model, data);
        Assert.Equal(40, stats.Samples);
        var min = Enumerable.Repeat(float.PositiveInfinity, model.Layers.Count).ToArray();
        var max = Enumerable.Repeat(float.NegativeInfinity, model.Layers.Count).ToArray();
        for (int i = 0; i < data.Count; i++)
        {
            float[][] outs = FloatInference.ForwardAll(model, data.GetInput(i));
            for (int l = 0; l < outs.Length; l++)
            {
                min[l] = Math.Min(min[l], outs[l].Min());
                max[l] = Math.Max(max[l], outs[l].Max());
            }
        }

        for (int l = 0; l < model.Layers.Count; l++)
        {
            Assert.Equal(min[l], stats.LayerMin[l], 1e-3f);
            Assert.Equal(max[l], stats.LayerMax[l], 1e-3f);
        }

        Assert.Equal(0f, stats.InputMin);
        Assert.Equal(1f, stats.InputMax);
    }

    [Fact]
    public void A_depthwise_and_average_pool_model_quantizes_close_to_its_float_outputs()
    {
        var features = new FloatModel("dw", new TensorShape(28, 28, 1),
        [
            new Conv2DLayer(1, 3, new WindowSpec(3, 3, 2, 2, 1, 1, 0, 0), FloatActivation.Relu),
            new DepthwiseConv2DLayer(3, 2, WindowSpec.Same(3), FloatActivation.Relu6),
            new AveragePool2DLayer(new WindowSpec(2, 2, 2, 2)),
            new FlattenLayer(),
        ]);
        var model = new FloatModel("dw", features.Input, [.. features.Layers, new DenseLayer(features.Output.Elements, 10), new SoftmaxLayer()], FashionMnist.ClassNames);
        Trainer.Train(model, TestData.Fashion.Train.Take(6_000), new TrainingOptions { Epochs = 2, Seed = 2, LearningRate = 3e-3f });
        ImageDataset test = TestData.Fashion.Test.Take(1_000);
        Int8Model q = PostTrainingQuantizer.Quantize(model, TestData.Fashion.HeldOut.Take(500));
        Assert.Equal(2, ((DepthwiseConv2D)q.Operators[1]).DepthMultiplier);
        var interpreter = new Interpreter(q);
        int agree = 0;
        double maxDiff = 0;
        for (int i = 0; i < test.Count; i++)
        {
            float[] expected = FloatInference.Forward(model, test.GetInput(i));
            interpreter.SetInputFromBytes(test.Pixels, i * 784);
            interpreter.Invoke();
            agree += interpreter.ArgMax() == Array.IndexOf(expected, expected.Max()) ? 1 : 0;
            for (int k = 0; k < 10; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(QuantMath.Dequantize(interpreter.GetOutput(k), Softmax.OutputScale, Softmax.OutputZeroPoint) - expected[k]));
            }
        }

        Assert.True(agree >= 950, $"{agree}/1000 top-1 agreement");
        Assert.True(maxDiff < 0.2, $"largest probability difference {maxDiff}");
    }

    [Fact]
    public void The_confusion_matrix_adds_up_and_formats_one_row_per_class()
    {
        EvaluationResult r = Evaluation.Evaluate(TrainedModels.Mlp, TestData.Fashion.Test.Take(500));
        Assert.Equal(500, r.Total);
        int diagonal = Enumerable.Range(0, 10).Sum(i => r.Confusion[i, i]);
        Assert.Equal(r.Correct, diagonal);
        string text = r.FormatConfusionMatrix();
        Assert.Equal(11, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("Ankle boot", text);
        Assert.Equal(r.Accuracy, Trainer.Accuracy(TrainedModels.Mlp, TestData.Fashion.Test.Take(500)));
    }

    [Fact]
    public void Parallel_and_single_interpreter_evaluations_agree()
    {
        Int8Model q = PostTrainingQuantizer.Quantize(TrainedModels.Mlp, TestData.Fashion.HeldOut.Take(500));
        ImageDataset test = TestData.Fashion.Test.Take(700);
        EvaluationResult parallel = Evaluation.Evaluate(q, test);
        EvaluationResult single = Evaluation.Evaluate(new Interpreter(q), test);
        Assert.Equal(single.Confusion, parallel.Confusion);
    }
}
