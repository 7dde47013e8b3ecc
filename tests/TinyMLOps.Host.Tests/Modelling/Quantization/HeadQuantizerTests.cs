using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Modelling.Drift;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Host.Tests.Modelling.Quantization;

public sealed class HeadQuantizerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Requantizing_the_unchanged_head_keeps_int8_accuracy_within_half_a_point_and_the_extractor_identical(int layers)
    {
        Int8Model baseModel = HeadTestModels.Base();
        TrainableHead head = TrainableHead.Find(baseModel, layers);
        float[][] tensors = head.NewTensors();
        head.Dequantize(baseModel, tensors);

        HeadQuantizationResult result = HeadQuantizer.Requantize(baseModel, head, tensors, TestData.Fashion.HeldOut);

        ImageDataset test = HeadTestModels.TestImages;
        double before = Evaluation.Evaluate(baseModel, test).Accuracy * 100;
        double after = Evaluation.Evaluate(result.Model, test).Accuracy * 100;
        Assert.InRange(after - before, -0.5, 0.5);
        HeadTestModels.AssertExtractorIdentical(baseModel, result.Model, layers);

        // Dequantized weights re-quantize to the same int8 values (the activation ranges are recalibrated).
        for (int l = 0; l < layers; l++)
        {
            var was = (FullyConnected)baseModel.Operators[head.FirstOperator + l];
            var now = (FullyConnected)result.Model.Operators[head.FirstOperator + l];
            Assert.Equal(Slice(was), Slice(now));
        }
    }

    [Theory]
    [InlineData(1, "sgd")]
    [InlineData(2, "sgd")]
    [InlineData(2, "scaled")]
    public void A_modified_head_gives_int8_predictions_that_agree_with_the_float_head_on_97_percent_of_test_images(int layers, string change)
    {
        Int8Model baseModel = HeadTestModels.Base();
        TrainableHead head = TrainableHead.Find(baseModel, layers);
        var trainer = new HeadTrainer(head);
        float[][] start = head.NewTensors();
        head.Dequantize(baseModel, start);
        trainer.SetGlobal(start);
        if (change == "sgd")
        {
            // Non-IID local data (five classes only) pulls the head well away from where it started.
            ImageDataset local = TestData.Fashion.Train.Take(6000);
            int[] keep = Enumerable.Range(0, local.Count).Where(i => local.Labels[i] < 5).Take(2000).ToArray();
            var samples = new FeatureSet(HeadTestModels.Features(baseModel, head, local, keep), keep.Select(i => (int)local.Labels[i]).ToArray());
            trainer.Train(samples, new TrainingParams { Epochs = 2, BatchSize = 16, LearningRate = 0.05f }, new Random(3));
        }
        else
        {
            // Every layer ×1.7: the logits' range grows ×2.9, far outside the base model's output quantization.
            foreach (float[] t in trainer.Weights)
            {
                for (int i = 0; i < t.Length; i++)
                {
                    t[i] *= 1.7f;
                }
            }
        }

        float[][] trained = trainer.Weights;
        HeadQuantizationResult result = HeadQuantizer.Requantize(baseModel, head, trained, TestData.Fashion.HeldOut);

        ImageDataset test = HeadTestModels.TestImages;
        int[] all = Enumerable.Range(0, test.Count).ToArray();
        float[][] features = HeadTestModels.Features(baseModel, head, test, all);
        var before = new HeadTrainer(head);
        before.SetGlobal(start);
        if (change == "sgd")
        {
            int changed = features.Count(f => before.Predict(f) != trainer.Predict(f));
            Assert.True(changed >= 0.05 * test.Count, $"training changed only {changed} of {test.Count} float predictions");
        }
        else
        {
            int last = head.FirstOperator + layers - 1;
            Assert.True(result.Model.Operators[last].OutScale > 1.5f * baseModel.Operators[last].OutScale, "the logits' range grows");
        }
        var interpreter = new Interpreter(result.Model);
        int agree = 0;
        for (int i = 0; i < test.Count; i++)
        {
            interpreter.SetInputFromBytes(test.Pixels, i * test.PixelsPerImage);
            interpreter.Invoke();
            if (interpreter.ArgMax() == trainer.Predict(features[i]))
            {
                agree++;
            }
        }

        Assert.True(agree >= 0.97 * test.Count, $"int8 and float heads agree on {agree} of {test.Count} images");
        HeadTestModels.AssertExtractorIdentical(baseModel, result.Model, layers);
    }

    [Fact]
    public void The_result_reads_back_through_ModelReader_with_a_new_content_hash_and_keeps_id_variant_labels_and_drift_profile()
    {
        Int8Model baseModel = ModelReader.Read(HeadTestModels.BaseFileWithProfile);
        TrainableHead head = TrainableHead.Find(baseModel, 1);
        float[][] tensors = head.NewTensors();
        head.Dequantize(baseModel, tensors);
        tensors[1][0] += 0.5f;

        HeadQuantizationResult result = HeadQuantizer.Requantize(baseModel, head, tensors, TestData.Fashion.HeldOut, calibrationSamples: 500);

        Int8Model read = ModelReader.Read(result.File);
        Assert.Equal(result.File.Length, read.FileBytes);
        Assert.Equal(read.ContentHash, result.Model.ContentHash);
        Assert.NotEqual(baseModel.ContentHash, read.ContentHash);
        Assert.Equal(baseModel.ModelId, read.ModelId);
        Assert.Equal(baseModel.VariantId, read.VariantId);
        Assert.Equal(baseModel.Labels, read.Labels);
        Assert.NotNull(read.DriftProfile);
        Assert.Equal(baseModel.DriftProfile.Encode(), read.DriftProfile.Encode());
        Assert.Equal(baseModel.Operators.Length, read.Operators.Length);
    }

    [Fact]
    public void The_variant_id_becomes_the_given_one()
    {
        Int8Model baseModel = HeadTestModels.Base();
        TrainableHead head = TrainableHead.Find(baseModel, 1);
        float[][] tensors = head.NewTensors();
        head.Dequantize(baseModel, tensors);

        HeadQuantizationResult result = HeadQuantizer.Requantize(baseModel, head, tensors, TestData.Fashion.HeldOut, "mlp-64-round-3", 500);

        Assert.Equal("mlp-64-round-3", ModelReader.Read(result.File).VariantId);
        Assert.Equal("mlp-64", baseModel.VariantId);
    }

    [Fact]
    public void The_head_layers_chain_their_quantization_and_a_trailing_softmax_keeps_its_fixed_output()
    {
        Int8Model baseModel = HeadTestModels.Base();
        TrainableHead head = TrainableHead.Find(baseModel, 2);
        float[][] tensors = head.NewTensors();
        head.Dequantize(baseModel, tensors);
        for (int i = 0; i < tensors[2].Length; i++)
        {
            tensors[2][i] *= 3f;
        }

        Int8Model model = HeadQuantizer.Requantize(baseModel, head, tensors, TestData.Fashion.HeldOut, calibrationSamples: 500).Model;

        Operator[] ops = model.Operators;
        int first = head.FirstOperator;
        Assert.Equal(baseModel.Operators[first].InScale, ops[first].InScale);
        Assert.Equal(baseModel.Operators[first].InZeroPoint, ops[first].InZeroPoint);
        Assert.Equal(-128, ops[first].OutZeroPoint); // ReLU: the range starts at 0
        Assert.Equal(ops[first].OutScale, ops[first + 1].InScale);
        Assert.Equal(ops[first].OutZeroPoint, ops[first + 1].InZeroPoint);
        Assert.True(ops[first + 1].OutScale > 1.5f * baseModel.Operators[first + 1].OutScale, "the logits' range grows with the ×3 weights");
        Softmax softmax = Assert.IsType<Softmax>(ops[^1]);
        Assert.Equal(Softmax.OutputScale, softmax.OutScale);
        Assert.Equal(Softmax.OutputZeroPoint, softmax.OutZeroPoint);
        Assert.Equal(ops[first + 1].OutScale, softmax.InScale);
        Assert.Equal(ops[first + 1].OutZeroPoint, softmax.InZeroPoint);
    }

    [Fact]
    public void Leaves_the_base_model_unchanged()
    {
        Int8Model baseModel = HeadTestModels.Base();
        byte[] before = ModelWriter.Write(baseModel);
        TrainableHead head = TrainableHead.Find(baseModel, 2);
        float[][] tensors = head.NewTensors();
        head.Dequantize(baseModel, tensors);
        tensors[0][0] += 1f;

        HeadQuantizer.Requantize(baseModel, head, tensors, TestData.Fashion.HeldOut, "other", 200);

        Assert.Equal(before, ModelWriter.Write(baseModel));
        Assert.Equal("mlp-64", baseModel.VariantId);
    }

    [Fact]
    public void Rejects_tensors_that_do_not_fit_the_head_or_are_not_finite()
    {
        Int8Model baseModel = HeadTestModels.Base();
        TrainableHead head = TrainableHead.Find(baseModel, 1);
        ImageDataset calibration = TestData.Fashion.HeldOut;
        float[][] good = head.NewTensors();
        head.Dequantize(baseModel, good);

        Assert.Throws<ArgumentException>(() => HeadQuantizer.Requantize(baseModel, head, [good[0]], calibration));
        Assert.Throws<ArgumentException>(() => HeadQuantizer.Requantize(baseModel, head, [good[0], new float[3]], calibration));
        float[][] nan = [good[0], (float[])good[1].Clone()];
        nan[1][4] = float.NaN;
        ArgumentException e = Assert.Throws<ArgumentException>(() => HeadQuantizer.Requantize(baseModel, head, nan, calibration));
        Assert.Contains("bias[4]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_head_of_another_model_and_calibration_images_of_another_shape()
    {
        Int8Model baseModel = HeadTestModels.Base();
        Int8Model other = PostTrainingQuantizer.Quantize(TinyMLOps.Modelling.Training.ModelZoo.Mlp(hidden: 32), TestData.Fashion.HeldOut.Take(10));
        TrainableHead foreign = TrainableHead.Find(other, 2);
        float[][] tensors = foreign.NewTensors();
        foreign.Dequantize(other, tensors);
        Assert.Throws<ArgumentException>(() => HeadQuantizer.Requantize(baseModel, foreign, tensors, TestData.Fashion.HeldOut));

        TrainableHead head = TrainableHead.Find(baseModel, 1);
        float[][] own = head.NewTensors();
        head.Dequantize(baseModel, own);
        var small = new ImageDataset("small", 14, 14, 1, new byte[14 * 14 * 2], [0, 1], FashionMnist.ClassNames);
        Assert.Throws<ArgumentException>(() => HeadQuantizer.Requantize(baseModel, head, own, small));
    }

    private static byte[] Slice(FullyConnected fc) => fc.Weights.AsSpan(fc.WeightsOffset, fc.InC * fc.OutC).ToArray();

    private sealed class FeatureSet(float[][] features, int[] labels) : ISampleSet
    {
        public int Count => labels.Length;

        public int Label(int index) => labels[index];

        public void Features(int index, float[] output) => features[index].CopyTo(output, 0);
    }
}

/// <summary>
/// The test MLP (Mlp(64), 2 epochs) quantized once as the variant builder does (without equalization: its head trains
/// on the devices), handed out as fresh decoded copies (operators hold arena offsets).
/// </summary>
internal static class HeadTestModels
{
    private static readonly Lazy<byte[]> File = new(() =>
        ModelWriter.Write(PostTrainingQuantizer.Quantize(
            TrainedModels.Mlp,
            TestData.Fashion.HeldOut.Take(1000),
            new QuantizationOptions { ModelId = "fashion", VariantId = "mlp-64", Equalization = false })));

    private static readonly Lazy<byte[]> FileWithProfile = new(() =>
    {
        Int8Model model = ModelReader.Read(File.Value);
        model.DriftProfile = ProfileBuilder.Build(File.Value, TestData.Fashion.HeldOut, samples: 500);
        return ModelWriter.Write(model);
    });

    /// <summary>3,000 official test images: enough to see half a point (15 images), quick to run.</summary>
    public static ImageDataset TestImages => TestData.Fashion.Test.Take(3000);

    public static byte[] BaseFileWithProfile => FileWithProfile.Value;

    /// <summary>Flatten → FC(784, 64, relu) → FC(64, 10) → Softmax, variant "mlp-64".</summary>
    public static Int8Model Base() => ModelReader.Read(File.Value);

    /// <summary>The head's input for the given images: the int8 model run up to the head, dequantized.</summary>
    public static float[][] Features(Int8Model model, TrainableHead head, ImageDataset data, int[] indices)
    {
        var interpreter = new Interpreter(ModelReader.Read(ModelWriter.Write(model)));
        int at = interpreter.Model.Operators[head.FirstOperator].InputOffset;
        var features = new float[indices.Length][];
        for (int k = 0; k < indices.Length; k++)
        {
            interpreter.SetInputFromBytes(data.Pixels, indices[k] * data.PixelsPerImage);
            interpreter.InvokeRange(0, head.FirstOperator);
            features[k] = new float[head.FeatureLength];
            head.ReadFeatures(interpreter.Arena, at, features[k]);
        }

        return features;
    }

    /// <summary>The input quantization and every operator before the head are the same, byte for byte.</summary>
    public static void AssertExtractorIdentical(Int8Model before, Int8Model after, int layers)
    {
        TrainableHead a = TrainableHead.Find(before, layers);
        TrainableHead b = TrainableHead.Find(after, layers);
        Assert.Equal(a.FirstOperator, b.FirstOperator);
        Assert.Equal(a.ExtractorFingerprint(before), b.ExtractorFingerprint(after));
        Assert.Equal(before.InputScale, after.InputScale);
        Assert.Equal(before.InputZeroPoint, after.InputZeroPoint);
        for (int i = 0; i < a.FirstOperator; i++)
        {
            Operator x = before.Operators[i];
            Operator y = after.Operators[i];
            Assert.Equal(x.OpCode, y.OpCode);
            Assert.Equal((x.FusedActivation, x.OutH, x.OutW, x.OutC, x.OutScale, x.OutZeroPoint), (y.FusedActivation, y.OutH, y.OutW, y.OutC, y.OutScale, y.OutZeroPoint));
            Assert.Equal(Params(x), Params(y));
        }
    }

    private static byte[] Params(Operator op)
    {
        var w = new ByteWriter(256);
        op.WriteParams(w);
        return w.ToArray();
    }
}
