using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Shared.Tests.Federated;

public sealed class TrainableHeadTests
{
    [Fact]
    public void The_trailing_dense_layers_before_the_softmax_are_the_head()
    {
        var mlp = RandomModels.Mlp(1, inputs: 64, hidden: 32, classes: 10);
        Assert.Equal(2, TrainableHead.TrainableLayers(mlp));
        Assert.Equal(1, TrainableHead.TrainableLayers(RandomModels.Cnn(1)));

        var head = TrainableHead.Find(mlp, 2);
        Assert.Equal((1, 2, 64, 10), (head.FirstOperator, head.LayerCount, head.FeatureLength, head.ClassCount));
        Assert.Equal(["op1.weights", "op1.bias", "op2.weights", "op2.bias"], head.TensorNames());
        Assert.Equal([64 * 32, 32, 32 * 10, 10], head.TensorSizes());
        Assert.Equal((64 * 32) + 32 + (32 * 10) + 10, head.ParameterCount);

        var last = TrainableHead.Find(mlp, 1);
        Assert.Equal((2, 32), (last.FirstOperator, last.FeatureLength));
    }

    [Fact]
    public void Asking_more_layers_than_the_model_ends_in_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainableHead.Find(RandomModels.Cnn(1), 2));
        Assert.Contains("ends in 1", e.Message);
        Assert.Throws<ArgumentException>(() => TrainableHead.Find(RandomModels.Mlp(1), 0));
        Assert.Throws<ArgumentException>(() => TrainableHead.Find(RandomModels.Mlp(1), TrainableHead.MaxLayers + 1));
    }

    [Fact]
    public void The_float_head_reproduces_the_int8_logits_within_quantization_error()
    {
        var model = RandomModels.Mlp(3);
        var head = TrainableHead.Find(model, 1);
        var tensors = head.NewTensors();
        head.Dequantize(model, tensors);
        var fc = (FullyConnected)model.Operators[head.FirstOperator];
        var interpreter = new Interpreter(model);
        var rng = new Random(4);
        var features = new float[head.FeatureLength];
        for (int n = 0; n < 50; n++)
        {
            interpreter.SetInputFromBytes(RandomModels.RandomInput(rng, model.InputElements), 0);
            interpreter.InvokeRange(0, head.FirstOperator);
            head.ReadFeatures(interpreter.Arena, fc.InputOffset, features);
            interpreter.InvokeRange(head.FirstOperator, head.FirstOperator + 1);
            for (int o = 0; o < fc.OutC; o++)
            {
                double logit = tensors[1][o];
                for (int i = 0; i < fc.InC; i++)
                {
                    logit += tensors[0][(o * fc.InC) + i] * features[i];
                }

                int q = interpreter.Arena[fc.OutputOffset + o];
                double int8 = (q - fc.OutZeroPoint) * fc.OutScale;
                double error = q == 127 ? Math.Min(0, logit - int8) : q == -128 ? Math.Max(0, logit - int8) : logit - int8; // clamped ends
                Assert.True(Math.Abs(error) <= fc.OutScale + 1e-5, $"output {o}: float {logit}, int8 {int8}");
            }
        }
    }

    [Fact]
    public void The_fingerprint_follows_the_frozen_part_and_ignores_the_head()
    {
        var model = RandomModels.Mlp(5);
        var head = TrainableHead.Find(model, 1);
        uint fingerprint = head.ExtractorFingerprint(model);

        var changedHead = ModelReader.Read(ModelWriter.Write(model));
        var fc = (FullyConnected)changedHead.Operators[head.FirstOperator];
        fc.Bias[0] += 1000;
        Assert.Equal(fingerprint, head.ExtractorFingerprint(changedHead));

        var changedExtractor = ModelReader.Read(ModelWriter.Write(model));
        var frozen = (FullyConnected)changedExtractor.Operators[1];
        frozen.Bias[0] += 1000;
        Assert.NotEqual(fingerprint, head.ExtractorFingerprint(changedExtractor));
    }

    [Fact]
    public void Tensors_of_another_shape_are_refused()
    {
        var head = TrainableHead.Find(RandomModels.Mlp(1), 1);
        Assert.Throws<ArgumentException>(() => head.CheckTensors([new float[3], new float[10]]));
        Assert.Throws<ArgumentException>(() => head.CheckTensors([new float[320]]));
        head.CheckTensors(head.NewTensors());
    }
}
