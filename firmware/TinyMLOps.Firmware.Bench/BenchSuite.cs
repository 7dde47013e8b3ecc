#nullable disable
using System;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Bench
{
    /// <summary>
    /// The interpreter benchmark's workload (issue 16), the same source on nanoCLR (this app) and on .NET (linked into
    /// TinyMLOps.Simulation): three int8 kernels on fixed layer shapes of the variant family, and one inference of
    /// models shaped like the six variants, with seeded weights (timing does not depend on their values). Each item is
    /// run once untimed, then in ten rounds that together take the budget; the fastest round is reported.
    /// </summary>
    public sealed class BenchSuite
    {
        /// <summary>The items: kernels first (their names start with the kernel), then the variants.</summary>
        public static readonly string[] Names = new string[]
        {
            "FullyConnected 784x128",
            "Conv2D 14x14x16 3x3 -> 32",
            "DepthwiseConv2D 14x14x32 3x3",
            "mlp-w0.25",
            "mlp-w0.5",
            "mlp-w1",
            "cnn-w0.25",
            "cnn-w0.5",
            "cnn-w1",
        };

        /// <summary>How many of <see cref="Names"/> are single kernels.</summary>
        public const int KernelCount = 3;

        /// <summary>Timed rounds per item; the fastest is reported.</summary>
        public const int Rounds = 10;

        private uint _seed = 12345;

        public static int Count
        {
            get { return Names.Length; }
        }

        /// <summary>Builds item <paramref name="index"/>, runs it once, then for <paramref name="budgetTicks"/> (100 ns) in rounds, and returns the fastest round.</summary>
        public BenchResult Measure(int index, long budgetTicks)
        {
            Int8Model model = Build(index);
            Interpreter interpreter = new Interpreter(model);
            byte[] input = new byte[model.InputElements];
            Fill(input);
            interpreter.SetInputFromBytes(input, 0);
            interpreter.Invoke();

            // Rounds of a tenth of the budget each; the fastest round counts (the host is shared, a board is not).
            long roundTicks = budgetTicks / Rounds;
            int bestIterations = 0;
            long bestTicks = 0;
            for (int round = 0; round < Rounds; round++)
            {
                int iterations = 0;
                long start = DateTime.UtcNow.Ticks;
                long elapsed = 0;
                do
                {
                    interpreter.Invoke();
                    iterations++;
                    elapsed = DateTime.UtcNow.Ticks - start;
                }
                while (elapsed < roundTicks);

                if (bestIterations == 0 || elapsed * bestIterations < bestTicks * iterations)
                {
                    bestIterations = iterations;
                    bestTicks = elapsed;
                }
            }

            BenchResult result = new BenchResult();
            result.Name = Names[index];
            result.Macs = model.TotalMacs;
            result.Iterations = bestIterations;
            result.Ticks = bestTicks;
            result.Check = interpreter.ArgMax();
            return result;
        }

        private Int8Model Build(int index)
        {
            switch (index)
            {
                case 0:
                    return Model(1, 1, 784, new Operator[] { Dense(784, 128, Activation.Relu) });
                case 1:
                    return Model(14, 14, 16, new Operator[] { Conv(14, 14, 16, 32) });
                case 2:
                    return Model(14, 14, 32, new Operator[] { Depthwise(14, 14, 32) });
                case 3:
                    return Mlp(32);
                case 4:
                    return Mlp(64);
                case 5:
                    return Mlp(128);
                case 6:
                    return Cnn(4, 8, 16);
                case 7:
                    return Cnn(8, 16, 32);
                default:
                    return Cnn(16, 32, 64);
            }
        }

        /// <summary>VariantSpec's MLP: Flatten, Dense(784, hidden, relu), Dense(hidden, 10), Softmax.</summary>
        private Int8Model Mlp(int hidden)
        {
            return Model(28, 28, 1, new Operator[] { Flatten(784, 1f / 255f, -128), Dense(784, hidden, Activation.Relu), Dense(hidden, 10, Activation.None), NewSoftmax(10) });
        }

        /// <summary>VariantSpec's CNN: Conv 3x3 same, MaxPool 2, Conv 3x3 same, MaxPool 2, Flatten, Dense, Dense(10), Softmax.</summary>
        private Int8Model Cnn(int conv1, int conv2, int hidden)
        {
            return Model(28, 28, 1, new Operator[]
            {
                Conv(28, 28, 1, conv1), Pool(14, 14, conv1), Conv(14, 14, conv1, conv2), Pool(7, 7, conv2),
                Flatten(49 * conv2, 0.05f, -10), Dense(49 * conv2, hidden, Activation.Relu), Dense(hidden, 10, Activation.None), NewSoftmax(10),
            });
        }

        private static Int8Model Model(int h, int w, int c, Operator[] ops)
        {
            Int8Model model = new Int8Model();
            model.ModelId = "bench";
            model.VariantId = "bench";
            model.InputH = h;
            model.InputW = w;
            model.InputC = c;
            model.InputScale = 1f / 255f;
            model.InputZeroPoint = -128;
            model.Operators = ops;
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        private static void Shape(Operator op, int h, int w, int c, float scale, int zeroPoint)
        {
            op.OutH = h;
            op.OutW = w;
            op.OutC = c;
            op.OutScale = scale;
            op.OutZeroPoint = zeroPoint;
        }

        /// <summary>A reshape keeps its input's quantization.</summary>
        private static Reshape Flatten(int n, float scale, int zeroPoint)
        {
            Reshape flat = new Reshape();
            Shape(flat, 1, 1, n, scale, zeroPoint);
            return flat;
        }

        private static MaxPool2D Pool(int outH, int outW, int c)
        {
            MaxPool2D pool = new MaxPool2D();
            pool.Window = new Window(2, 2, 2, 2, 0, 0, 0, 0);
            Shape(pool, outH, outW, c, 0.05f, -10);
            return pool;
        }

        private static Softmax NewSoftmax(int classes)
        {
            Softmax sm = new Softmax();
            Shape(sm, 1, 1, classes, Softmax.OutputScale, Softmax.OutputZeroPoint);
            return sm;
        }

        private FullyConnected Dense(int inputs, int units, int activation)
        {
            FullyConnected fc = new FullyConnected();
            Shape(fc, 1, 1, units, 0.05f, -10);
            fc.FusedActivation = activation;
            fc.WeightScales = Scales(units);
            fc.Bias = Biases(units);
            fc.Weights = Weights(inputs * units);
            return fc;
        }

        /// <summary>3x3, stride 1, same padding.</summary>
        private Conv2D Conv(int h, int w, int inC, int outC)
        {
            Conv2D conv = new Conv2D();
            conv.Window = new Window(3, 3, 1, 1, 1, 1, 1, 1);
            Shape(conv, h, w, outC, 0.05f, -10);
            conv.FusedActivation = Activation.Relu;
            conv.WeightScales = Scales(outC);
            conv.Bias = Biases(outC);
            conv.Weights = Weights(outC * 9 * inC);
            return conv;
        }

        /// <summary>3x3, stride 1, same padding, depth multiplier 1.</summary>
        private DepthwiseConv2D Depthwise(int h, int w, int c)
        {
            DepthwiseConv2D dw = new DepthwiseConv2D();
            dw.Window = new Window(3, 3, 1, 1, 1, 1, 1, 1);
            dw.DepthMultiplier = 1;
            Shape(dw, h, w, c, 0.05f, -10);
            dw.FusedActivation = Activation.Relu;
            dw.WeightScales = Scales(c);
            dw.Bias = Biases(c);
            dw.Weights = Weights(9 * c);
            return dw;
        }

        private float[] Scales(int n)
        {
            float[] s = new float[n];
            for (int i = 0; i < n; i++)
            {
                s[i] = 0.002f + ((Next() & 1023) * 0.00001f);
            }

            return s;
        }

        private int[] Biases(int n)
        {
            int[] b = new int[n];
            for (int i = 0; i < n; i++)
            {
                b[i] = (int)(Next() % 4000) - 2000;
            }

            return b;
        }

        // Symmetric weights never use -128.
        private byte[] Weights(int n)
        {
            byte[] b = new byte[n];
            Fill(b);
            for (int i = 0; i < n; i++)
            {
                if (b[i] == 0x80)
                {
                    b[i] = 0x81;
                }
            }

            return b;
        }

        private void Fill(byte[] b)
        {
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = (byte)(Next() >> 24);
            }
        }

        // A 32-bit LCG: the same sequence on both runtimes.
        private uint Next()
        {
            _seed = (_seed * 1664525u) + 1013904223u;
            return _seed;
        }
    }
}
