using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Firmware.Tests.Learning;

/// <summary>
/// Seeded int8 MLPs (reshape, dense + relu, dense, softmax) with realistic scales, built as operators like the shared
/// tests' RandomModels, read back from their bytes so they carry a content hash, and signed with the test device key.
/// </summary>
internal static class LearningModels
{
    public static Int8Model Mlp(int seed, int inputs = 16, int hidden = 8, int classes = 4, string variantId = "mlp-v1") =>
        ModelReader.Read(MlpBytes(seed, inputs, hidden, classes, variantId));

    public static byte[] MlpBytes(int seed, int inputs = 16, int hidden = 8, int classes = 4, string variantId = "mlp-v1")
    {
        var rng = new Random(seed);
        var model = new Int8Model
        {
            ModelId = "mlp",
            VariantId = variantId,
            InputH = 2,
            InputW = inputs / 2,
            InputC = 1,
            InputScale = 1f / 255f,
            InputZeroPoint = -128,
            Labels = [.. Enumerable.Range(0, classes).Select(i => "class" + i)],
        };
        model.Operators =
        [
            new Reshape { OutH = 1, OutW = 1, OutC = inputs, OutScale = model.InputScale, OutZeroPoint = model.InputZeroPoint },
            Dense(rng, inputs, hidden, Activation.Relu),
            Dense(rng, hidden, classes, Activation.None),
            new Softmax { OutH = 1, OutW = 1, OutC = classes, OutScale = Softmax.OutputScale, OutZeroPoint = Softmax.OutputZeroPoint },
        ];
        model.Prepare();
        return ModelWriter.Write(model);
    }

    public static SignedModel Signed(int seed, string variantId = "mlp-v1") => TestModels.Sign(MlpBytes(seed, variantId: variantId), variantId, TestModels.DeviceKey);

    private static FullyConnected Dense(Random rng, int inputs, int units, int activation) => new()
    {
        OutH = 1,
        OutW = 1,
        OutC = units,
        FusedActivation = activation,
        OutScale = 0.02f + ((float)rng.NextDouble() * 0.05f),
        OutZeroPoint = activation == Activation.Relu ? -128 : rng.Next(-20, 20),
        WeightScales = [.. Enumerable.Range(0, units).Select(_ => 0.002f + ((float)rng.NextDouble() * 0.01f))],
        Bias = [.. Enumerable.Range(0, units).Select(_ => rng.Next(-2000, 2000))],
        Weights = Weights(rng, inputs * units),
        WeightsOffset = 0,
    };

    private static byte[] Weights(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        for (int i = 0; i < n; i++)
        {
            if (b[i] == 0x80)
            {
                b[i] = 0x81; // symmetric weights never use -128
            }
        }

        return b;
    }
}

/// <summary>Samples held as float features in a list: what HeadTrainer reads, without the store.</summary>
internal sealed class ListSamples : Firmware.Core.Learning.ISampleSet
{
    public List<(float[] Features, int Label)> Items { get; } = [];

    public int Count => Items.Count;

    public int Label(int index) => Items[index].Label;

    public void Features(int index, float[] output) => Items[index].Features.CopyTo(output, 0);

    public void Add(float[] features, int label) => Items.Add((features, label));
}
