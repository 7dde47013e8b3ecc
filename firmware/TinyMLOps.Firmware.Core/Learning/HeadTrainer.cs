using System;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Firmware.Core.Learning
{
    /// <summary>
    /// Float mini-batch SGD on a model's trainable head with softmax cross-entropy, and the optional FedProx term.
    /// Its RAM is fixed at construction (<see cref="RamBytes"/>): three copies of the head's parameters (local,
    /// global, gradient) and two float vectors per layer boundary; training itself allocates only the shuffle order.
    /// </summary>
    public sealed class HeadTrainer
    {
        private readonly TrainableHead _head;
        private readonly float[][] _weights;
        private readonly float[][] _global;
        private readonly float[][] _grad;
        private readonly float[][] _act;
        private readonly float[][] _err;

        public HeadTrainer(TrainableHead head)
        {
            _head = head;
            _weights = head.NewTensors();
            _global = head.NewTensors();
            _grad = head.NewTensors();
            int layers = head.LayerCount;
            _act = new float[layers + 1][];
            _err = new float[layers + 1][];
            _act[0] = new float[head.FeatureLength];
            _err[0] = new float[head.FeatureLength];
            for (int l = 0; l < layers; l++)
            {
                _act[l + 1] = new float[head.Outputs(l)];
                _err[l + 1] = new float[head.Outputs(l)];
            }
        }

        public TrainableHead Head
        {
            get { return _head; }
        }

        /// <summary>The local weights (weights then bias per layer), updated by <see cref="Train"/>.</summary>
        public float[][] Weights
        {
            get { return _weights; }
        }

        /// <summary>The round's starting point, kept for the delta and the proximal term.</summary>
        public float[][] Global
        {
            get { return _global; }
        }

        /// <summary>
        /// The bytes this trainer holds plus the shuffle order for <paramref name="samples"/> samples: the peak RAM of
        /// local training, the samples themselves aside. Object headers are not counted (tens of bytes).
        /// </summary>
        public static int RamBytes(TrainableHead head, int samples)
        {
            int vectors = head.FeatureLength;
            for (int l = 0; l < head.LayerCount; l++)
            {
                vectors += head.Outputs(l);
            }

            return (3 * 4 * head.ParameterCount) + (2 * 4 * vectors) + (4 * samples);
        }

        /// <summary>Starts a round: the local and global weights both become <paramref name="tensors"/>.</summary>
        public void SetGlobal(float[][] tensors)
        {
            _head.CheckTensors(tensors);
            for (int t = 0; t < tensors.Length; t++)
            {
                Array.Copy(tensors[t], _global[t], tensors[t].Length);
                Array.Copy(tensors[t], _weights[t], tensors[t].Length);
            }
        }

        /// <summary>delta = local − global, per tensor, into <paramref name="output"/>.</summary>
        public void Delta(float[][] output)
        {
            _head.CheckTensors(output);
            for (int t = 0; t < output.Length; t++)
            {
                float[] w = _weights[t];
                float[] g = _global[t];
                float[] d = output[t];
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = w[i] - g[i];
                }
            }
        }

        /// <summary>The class the local weights give one feature vector.</summary>
        public int Predict(float[] features)
        {
            Array.Copy(features, _act[0], _act[0].Length);
            Forward();
            float[] logits = _act[_act.Length - 1];
            int best = 0;
            for (int c = 1; c < logits.Length; c++)
            {
                if (logits[c] > logits[best])
                {
                    best = c;
                }
            }

            return best;
        }

        /// <summary>Trains the local weights on every sample for the given epochs, shuffled each epoch by <paramref name="rng"/>.</summary>
        public TrainingResult Train(ISampleSet samples, TrainingParams p, Random rng)
        {
            if (p.Epochs < 1 || p.BatchSize < 1 || !(p.LearningRate > 0) || !(p.ProximalMu >= 0))
            {
                throw new ArgumentException("epochs and batch must be positive, the learning rate positive and mu not negative");
            }

            int n = samples.Count;
            TrainingResult result = new TrainingResult();
            if (n == 0)
            {
                return result;
            }

            int[] order = new int[n];
            for (int i = 0; i < n; i++)
            {
                order[i] = i;
            }

            for (int epoch = 0; epoch < p.Epochs; epoch++)
            {
                Shuffle(order, rng);
                double lossSum = 0;
                int correct = 0;
                for (int start = 0; start < n; start += p.BatchSize)
                {
                    int end = start + p.BatchSize < n ? start + p.BatchSize : n;
                    ClearGradients();
                    for (int j = start; j < end; j++)
                    {
                        int index = order[j];
                        int label = samples.Label(index);
                        if (label < 0 || label >= _head.ClassCount)
                        {
                            throw new ArgumentException("label " + label + " outside the model's " + _head.ClassCount + " classes");
                        }

                        samples.Features(index, _act[0]);
                        Forward();
                        float loss;
                        if (Backward(label, out loss))
                        {
                            correct++;
                        }

                        lossSum += loss;
                    }

                    Step(end - start, p);
                    result.Steps++;
                }

                result.SamplesSeen += n;
                result.LastEpochLoss = (float)(lossSum / n);
                result.LastEpochAccuracy = (float)correct / n;
            }

            return result;
        }

        private void Forward()
        {
            int layers = _head.LayerCount;
            for (int l = 0; l < layers; l++)
            {
                float[] input = _act[l];
                float[] output = _act[l + 1];
                float[] w = _weights[2 * l];
                float[] b = _weights[(2 * l) + 1];
                int inputs = input.Length;
                int activation = l == layers - 1 ? Activation.None : _head.LayerActivation(l);
                for (int o = 0; o < output.Length; o++)
                {
                    float sum = b[o];
                    int row = o * inputs;
                    for (int i = 0; i < inputs; i++)
                    {
                        sum += w[row + i] * input[i];
                    }

                    if (activation == Activation.Relu && sum < 0)
                    {
                        sum = 0;
                    }
                    else if (activation == Activation.Relu6)
                    {
                        sum = sum < 0 ? 0 : (sum > 6 ? 6 : sum);
                    }

                    output[o] = sum;
                }
            }
        }

        /// <summary>Accumulates the gradients of one sample; true when the sample was already classified right.</summary>
        private bool Backward(int label, out float loss)
        {
            int layers = _head.LayerCount;
            float[] logits = _act[layers];
            float[] dz = _err[layers];
            int best = 0;
            float max = logits[0];
            for (int c = 1; c < logits.Length; c++)
            {
                if (logits[c] > max)
                {
                    max = logits[c];
                    best = c;
                }
            }

            double sum = 0;
            for (int c = 0; c < logits.Length; c++)
            {
                double e = Math.Exp(logits[c] - max);
                dz[c] = (float)e;
                sum += e;
            }

            for (int c = 0; c < logits.Length; c++)
            {
                dz[c] = (float)(dz[c] / sum);
            }

            loss = (float)(Math.Log(sum) - (logits[label] - max));
            dz[label] -= 1f;

            for (int l = layers - 1; l >= 0; l--)
            {
                float[] input = _act[l];
                float[] delta = _err[l + 1];
                float[] w = _weights[2 * l];
                float[] gw = _grad[2 * l];
                float[] gb = _grad[(2 * l) + 1];
                int inputs = input.Length;
                for (int o = 0; o < delta.Length; o++)
                {
                    float d = delta[o];
                    gb[o] += d;
                    if (d == 0)
                    {
                        continue;
                    }

                    int row = o * inputs;
                    for (int i = 0; i < inputs; i++)
                    {
                        gw[row + i] += d * input[i];
                    }
                }

                if (l == 0)
                {
                    break;
                }

                // Error at this layer's input, through the previous layer's activation.
                float[] back = _err[l];
                int activation = _head.LayerActivation(l - 1);
                for (int i = 0; i < inputs; i++)
                {
                    float a = input[i];
                    bool open = activation == Activation.None
                        || (activation == Activation.Relu && a > 0)
                        || (activation == Activation.Relu6 && a > 0 && a < 6);
                    float s = 0;
                    if (open)
                    {
                        for (int o = 0; o < delta.Length; o++)
                        {
                            s += w[(o * inputs) + i] * delta[o];
                        }
                    }

                    back[i] = s;
                }
            }

            return best == label;
        }

        private void Step(int batch, TrainingParams p)
        {
            float lr = p.LearningRate;
            float mu = p.ProximalMu;
            float inv = 1f / batch;
            for (int t = 0; t < _weights.Length; t++)
            {
                float[] w = _weights[t];
                float[] g = _grad[t];
                float[] w0 = _global[t];
                for (int i = 0; i < w.Length; i++)
                {
                    float step = g[i] * inv;
                    if (mu > 0)
                    {
                        step += mu * (w[i] - w0[i]);
                    }

                    w[i] -= lr * step;
                }
            }
        }

        private void ClearGradients()
        {
            for (int t = 0; t < _grad.Length; t++)
            {
                Array.Clear(_grad[t], 0, _grad[t].Length);
            }
        }

        private static void Shuffle(int[] order, Random rng)
        {
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
    }
}
