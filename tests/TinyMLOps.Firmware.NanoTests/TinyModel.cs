using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Firmware.NanoTests
{
    /// <summary>
    /// The xunit tests' "brightest" model, built on the device: one fully connected int8 layer over a 1x1x3 input with
    /// a diagonal weight matrix, so the winning class is the brightest input.
    /// </summary>
    public static class TinyModel
    {
        public const int Inputs = 3;

        public static byte[] Build()
        {
            byte[] weights = new byte[Inputs * Inputs];
            for (int i = 0; i < Inputs; i++)
            {
                weights[(i * Inputs) + i] = 120;
            }

            FullyConnected layer = new FullyConnected();
            layer.OutH = 1;
            layer.OutW = 1;
            layer.OutC = Inputs;
            layer.FusedActivation = Activation.None;
            layer.OutScale = 1f / 255f;
            layer.OutZeroPoint = -128;
            layer.WeightScales = new float[] { 1f / 127f, 1f / 127f, 1f / 127f };
            layer.Bias = new int[Inputs];
            layer.Weights = weights;
            layer.WeightsOffset = 0;

            Int8Model model = new Int8Model();
            model.ModelId = "brightest";
            model.VariantId = "nano-v1";
            model.InputH = 1;
            model.InputW = 1;
            model.InputC = Inputs;
            model.InputScale = 1f / 255f;
            model.InputZeroPoint = -128;
            model.Labels = new string[] { "left", "middle", "right" };
            model.Operators = new Operator[] { layer };
            return ModelWriter.Write(model);
        }

        /// <summary>An anomaly model: one fully connected identity layer whose output saturates at 0.5, with <paramref name="threshold"/>.</summary>
        public static byte[] BuildAutoencoder(float threshold)
        {
            byte[] weights = new byte[Inputs * Inputs];
            for (int i = 0; i < Inputs; i++)
            {
                weights[(i * Inputs) + i] = 127;
            }

            FullyConnected layer = new FullyConnected();
            layer.OutH = 1;
            layer.OutW = 1;
            layer.OutC = Inputs;
            layer.FusedActivation = Activation.None;
            layer.OutScale = 0.5f / 255f;
            layer.OutZeroPoint = -128;
            layer.WeightScales = new float[] { 1f / 127f, 1f / 127f, 1f / 127f };
            layer.Bias = new int[Inputs];
            layer.Weights = weights;
            layer.WeightsOffset = 0;

            Int8Model model = new Int8Model();
            model.ModelId = "identity";
            model.VariantId = "nano-ae";
            model.InputH = 1;
            model.InputW = 1;
            model.InputC = Inputs;
            model.InputScale = 1f / 255f;
            model.InputZeroPoint = -128;
            model.Operators = new Operator[] { layer };
            model.OutputKind = OutputKind.Anomaly;
            model.AnomalyThreshold = threshold;
            return ModelWriter.Write(model);
        }
    }
}
