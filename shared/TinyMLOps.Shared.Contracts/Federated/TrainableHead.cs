using System;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Federated
{
    /// <summary>
    /// The part of an int8 model that federated rounds train: its last fully connected layers (an optional final
    /// softmax aside). Everything before them is the frozen feature extractor, whose int8 output (the head's input)
    /// a device stores per labelled sample. The head's tensors are named by operator index ("op5.weights",
    /// "op5.bias"), weights row-major [out][in] as the kernel holds them, so device, host and delta agree on layout.
    /// </summary>
    public sealed class TrainableHead
    {
        /// <summary>More layers than this would not fit the RAM budget of the boards we target.</summary>
        public const int MaxLayers = 4;

        private readonly int _first;
        private readonly int[] _inputs;
        private readonly int[] _outputs;
        private readonly int[] _activations;
        private readonly float _featureScale;
        private readonly int _featureZeroPoint;
        private readonly string[] _names;
        private readonly int[] _sizes;

        private TrainableHead(Int8Model model, int first, int layers)
        {
            _first = first;
            _inputs = new int[layers];
            _outputs = new int[layers];
            _activations = new int[layers];
            _names = new string[layers * 2];
            _sizes = new int[layers * 2];
            for (int l = 0; l < layers; l++)
            {
                Operator op = model.Operators[first + l];
                _inputs[l] = op.InC;
                _outputs[l] = op.OutC;
                _activations[l] = op.FusedActivation;
                _names[2 * l] = "op" + (first + l) + ".weights";
                _names[(2 * l) + 1] = "op" + (first + l) + ".bias";
                _sizes[2 * l] = op.InC * op.OutC;
                _sizes[(2 * l) + 1] = op.OutC;
            }

            _featureScale = model.Operators[first].InScale;
            _featureZeroPoint = model.Operators[first].InZeroPoint;
        }

        /// <summary>Index of the head's first operator: run the model up to it to get the features.</summary>
        public int FirstOperator
        {
            get { return _first; }
        }

        public int LayerCount
        {
            get { return _inputs.Length; }
        }

        public int FeatureLength
        {
            get { return _inputs[0]; }
        }

        public int ClassCount
        {
            get { return _outputs[_outputs.Length - 1]; }
        }

        public float FeatureScale
        {
            get { return _featureScale; }
        }

        public int FeatureZeroPoint
        {
            get { return _featureZeroPoint; }
        }

        /// <summary>Weights then bias per layer: the tensor order of a delta.</summary>
        public int TensorCount
        {
            get { return _names.Length; }
        }

        public int ParameterCount
        {
            get
            {
                int total = 0;
                for (int t = 0; t < _sizes.Length; t++)
                {
                    total += _sizes[t];
                }

                return total;
            }
        }

        public int Inputs(int layer)
        {
            return _inputs[layer];
        }

        public int Outputs(int layer)
        {
            return _outputs[layer];
        }

        /// <summary>The fused activation of a layer (<see cref="Activation"/>); the last layer's outputs are logits.</summary>
        public int LayerActivation(int layer)
        {
            return _activations[layer];
        }

        public string TensorName(int tensor)
        {
            return _names[tensor];
        }

        public int TensorSize(int tensor)
        {
            return _sizes[tensor];
        }

        /// <summary>Copies of the names (the delta encoder keeps its own).</summary>
        public string[] TensorNames()
        {
            string[] copy = new string[_names.Length];
            Array.Copy(_names, copy, _names.Length);
            return copy;
        }

        public int[] TensorSizes()
        {
            int[] copy = new int[_sizes.Length];
            Array.Copy(_sizes, copy, _sizes.Length);
            return copy;
        }

        public float[][] NewTensors()
        {
            float[][] tensors = new float[_sizes.Length][];
            for (int t = 0; t < _sizes.Length; t++)
            {
                tensors[t] = new float[_sizes[t]];
            }

            return tensors;
        }

        /// <summary>How many trailing fully connected layers the model has (0 when it ends otherwise).</summary>
        public static int TrainableLayers(Int8Model model)
        {
            Operator[] ops = model.Operators;
            int end = ops.Length;
            if (end > 0 && ops[end - 1].OpCode == Softmax.Code)
            {
                end--;
            }

            int count = 0;
            while (end - count - 1 >= 0 && ops[end - count - 1].OpCode == FullyConnected.Code)
            {
                count++;
            }

            return count;
        }

        /// <summary>The head of the model's last <paramref name="layers"/> fully connected layers.</summary>
        /// <exception cref="ArgumentException">The model does not end in that many fully connected layers.</exception>
        public static TrainableHead Find(Int8Model model, int layers)
        {
            if (layers < 1 || layers > MaxLayers)
            {
                throw new ArgumentException("a head trains 1 to " + MaxLayers + " layers, not " + layers);
            }

            int available = TrainableLayers(model);
            if (available < layers)
            {
                throw new ArgumentException("the model ends in " + available + " fully connected layers; " + layers + " asked");
            }

            Operator[] ops = model.Operators;
            int end = ops[ops.Length - 1].OpCode == Softmax.Code ? ops.Length - 1 : ops.Length;
            return new TrainableHead(model, end - layers, layers);
        }

        /// <summary>The model's head as float tensors: weight = q x channel scale, bias = q x input scale x channel scale.</summary>
        public void Dequantize(Int8Model model, float[][] tensors)
        {
            CheckTensors(tensors);
            for (int l = 0; l < _inputs.Length; l++)
            {
                FullyConnected fc = (FullyConnected)model.Operators[_first + l];
                if (fc.InC != _inputs[l] || fc.OutC != _outputs[l])
                {
                    throw new ArgumentException("the model's layer " + (_first + l) + " is not this head's shape");
                }

                float[] w = tensors[2 * l];
                float[] b = tensors[(2 * l) + 1];
                int inputs = fc.InC;
                for (int o = 0; o < fc.OutC; o++)
                {
                    float scale = fc.WeightScales[o];
                    int row = fc.WeightsOffset + (o * inputs);
                    for (int i = 0; i < inputs; i++)
                    {
                        w[(o * inputs) + i] = (sbyte)fc.Weights[row + i] * scale;
                    }

                    b[o] = fc.Bias[o] * fc.InScale * scale;
                }
            }
        }

        /// <summary>Dequantizes stored int8 features (the head's input) into <paramref name="output"/>.</summary>
        public void ReadFeatures(sbyte[] source, int offset, float[] output)
        {
            int n = _inputs[0];
            for (int i = 0; i < n; i++)
            {
                output[i] = (source[offset + i] - _featureZeroPoint) * _featureScale;
            }
        }

        /// <summary>
        /// CRC-32 of everything the head's input depends on: the input quantization and the parameters of every frozen
        /// operator. Stored features stay valid across model versions with the same fingerprint, which a release that
        /// only re-quantizes the head preserves.
        /// </summary>
        public uint ExtractorFingerprint(Int8Model model)
        {
            ByteWriter w = new ByteWriter(64);
            w.WriteI32(model.InputH);
            w.WriteI32(model.InputW);
            w.WriteI32(model.InputC);
            w.WriteF32(model.InputScale);
            w.WriteI32(model.InputZeroPoint);
            w.WriteF32(_featureScale);
            w.WriteI32(_featureZeroPoint);
            for (int i = 0; i < _first; i++)
            {
                Operator op = model.Operators[i];
                w.WriteU8(op.OpCode);
                w.WriteF32(op.OutScale);
                w.WriteI32(op.OutZeroPoint);
                op.WriteParams(w);
            }

            byte[] bytes = w.ToArray();
            return Crc32.Compute(bytes, 0, bytes.Length);
        }

        /// <summary>Throws unless the tensors have this head's count and sizes.</summary>
        public void CheckTensors(float[][] tensors)
        {
            if (tensors == null || tensors.Length != _sizes.Length)
            {
                throw new ArgumentException("a head has " + _sizes.Length + " tensors");
            }

            for (int t = 0; t < _sizes.Length; t++)
            {
                if (tensors[t] == null || tensors[t].Length != _sizes[t])
                {
                    throw new ArgumentException(_names[t] + ": expected " + _sizes[t] + " values");
                }
            }
        }
    }
}
