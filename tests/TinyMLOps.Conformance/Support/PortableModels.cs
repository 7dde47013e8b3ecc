using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Conformance.Support
{
    /// <summary>Seeded int8 models with realistic scales, built as operators, the same on both runtimes.</summary>
    public static class PortableModels
    {
        public static Int8Model Mlp(int seed)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 8, 8, 1);
            Reshape flat = new Reshape();
            flat.OutH = 1;
            flat.OutW = 1;
            flat.OutC = 64;
            flat.OutScale = model.InputScale;
            flat.OutZeroPoint = model.InputZeroPoint;
            model.Operators = new Operator[] { flat, Dense(rng, 64, 32, Activation.Relu), Dense(rng, 32, 10, Activation.None), NewSoftmax(10) };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>A small MLP (inputs, relu hidden layer, classes, softmax) on a 1 x inputs input: a trainable two-layer head.</summary>
        public static Int8Model SmallMlp(int seed, int inputs, int hidden, int classes)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 1, inputs, 1);
            Reshape flat = new Reshape();
            Shape(flat, 1, 1, inputs, model.InputScale, model.InputZeroPoint);
            model.Operators = new Operator[] { flat, Dense(rng, inputs, hidden, Activation.Relu), Dense(rng, hidden, classes, Activation.None), NewSoftmax(classes) };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>Every kernel once, with padding, strides and a depth multiplier.</summary>
        public static Int8Model Cnn(int seed)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 12, 12, 2);
            Conv2D conv = Conv(rng, 12, 12, 2, 6, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.Relu);
            DepthwiseConv2D dw = Depthwise(rng, 12, 12, 6, 2, new Window(3, 3, 2, 2, 1, 1, 0, 0), Activation.Relu6);
            MaxPool2D mp = new MaxPool2D();
            mp.Window = new Window(2, 2, 2, 2, 0, 0, 0, 0);
            Shape(mp, 3, 3, 12, dw.OutScale, dw.OutZeroPoint);
            AveragePool2D ap = new AveragePool2D();
            ap.Window = new Window(2, 2, 1, 1, 0, 0, 1, 1);
            Shape(ap, 3, 3, 12, dw.OutScale, dw.OutZeroPoint);
            Reshape flat = new Reshape();
            Shape(flat, 1, 1, 108, dw.OutScale, dw.OutZeroPoint);
            model.Operators = new Operator[] { conv, dw, mp, ap, flat, Dense(rng, 108, 10, Activation.None), NewSoftmax(10) };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>A rectangular kernel, asymmetric padding and a wide stride.</summary>
        public static Int8Model WideConv(int seed)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 10, 7, 3);
            Conv2D conv = Conv(rng, 10, 7, 3, 5, new Window(5, 2, 3, 2, 2, 0, 1, 1), Activation.None);
            Reshape flat = new Reshape();
            Shape(flat, 1, 1, conv.OutH * conv.OutW * conv.OutC, conv.OutScale, conv.OutZeroPoint);
            model.Operators = new Operator[] { conv, flat, Dense(rng, flat.OutC, 4, Activation.Relu) };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>
        /// The interpreter-tuned paths: a convolution whose kernel rows (3 x 5 channels) span the eight-wide unrolled
        /// sum and its remainder, a depthwise 3x3 with multiplier 1 (the three-wide rows) over padding, a 2x3 depthwise
        /// with an odd stride, and a dense layer of 45 inputs (unrolled and remainder).
        /// </summary>
        public static Int8Model Separable(int seed)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 9, 11, 5);
            Conv2D conv = Conv(rng, 9, 11, 5, 7, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.Relu);
            DepthwiseConv2D dw = Depthwise(rng, 9, 11, 7, 1, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.Relu6);
            DepthwiseConv2D dw2 = Depthwise(rng, 9, 11, 7, 1, new Window(2, 3, 3, 2, 1, 2, 0, 1), Activation.None);
            Reshape flat = new Reshape();
            Shape(flat, 1, 1, dw2.OutH * dw2.OutW * 7, dw2.OutScale, dw2.OutZeroPoint);
            model.Operators = new Operator[] { conv, dw, dw2, flat, Dense(rng, flat.OutC, 9, Activation.Relu), Dense(rng, 9, 3, Activation.None) };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        public static byte[] RandomInput(Rng rng, int n)
        {
            byte[] b = new byte[n];
            rng.NextBytes(b);
            return b;
        }

        public static Int8Model Input(Rng rng, int h, int w, int c)
        {
            Int8Model model = new Int8Model();
            model.ModelId = "conformance";
            model.VariantId = "v" + rng.Next(0, 100);
            model.InputH = h;
            model.InputW = w;
            model.InputC = c;
            model.InputScale = 1f / 255f;
            model.InputZeroPoint = -128;
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

        private static Softmax NewSoftmax(int classes)
        {
            Softmax sm = new Softmax();
            Shape(sm, 1, 1, classes, Softmax.OutputScale, Softmax.OutputZeroPoint);
            return sm;
        }

        private static FullyConnected Dense(Rng rng, int inputs, int units, int activation)
        {
            FullyConnected fc = new FullyConnected();
            Shape(fc, 1, 1, units, 0.02f + (rng.NextFloat() * 0.05f), rng.Next(-20, 20));
            fc.FusedActivation = activation;
            fc.WeightScales = Scales(rng, units);
            fc.Bias = Biases(rng, units);
            fc.Weights = Weights(rng, inputs * units);
            return fc;
        }

        public static Conv2D Conv(Rng rng, int h, int w, int inC, int outC, Window win, int activation)
        {
            Conv2D conv = new Conv2D();
            conv.Window = win;
            Shape(conv, win.OutputHeight(h), win.OutputWidth(w), outC, 0.02f + (rng.NextFloat() * 0.05f), rng.Next(-20, 20));
            conv.FusedActivation = activation;
            conv.WeightScales = Scales(rng, outC);
            conv.Bias = Biases(rng, outC);
            conv.Weights = Weights(rng, outC * win.KernelH * win.KernelW * inC);
            return conv;
        }

        private static DepthwiseConv2D Depthwise(Rng rng, int h, int w, int c, int multiplier, Window win, int activation)
        {
            DepthwiseConv2D dw = new DepthwiseConv2D();
            dw.Window = win;
            dw.DepthMultiplier = multiplier;
            Shape(dw, win.OutputHeight(h), win.OutputWidth(w), c * multiplier, 0.02f + (rng.NextFloat() * 0.05f), rng.Next(-20, 20));
            dw.FusedActivation = activation;
            dw.WeightScales = Scales(rng, c * multiplier);
            dw.Bias = Biases(rng, c * multiplier);
            dw.Weights = Weights(rng, win.KernelH * win.KernelW * c * multiplier);
            return dw;
        }

        private static float[] Scales(Rng rng, int n)
        {
            float[] s = new float[n];
            for (int i = 0; i < n; i++)
            {
                s[i] = 0.002f + (rng.NextFloat() * 0.01f);
            }

            return s;
        }

        private static int[] Biases(Rng rng, int n)
        {
            int[] b = new int[n];
            for (int i = 0; i < n; i++)
            {
                b[i] = rng.Next(-2000, 2000);
            }

            return b;
        }

        // Symmetric weights never use -128.
        private static byte[] Weights(Rng rng, int n)
        {
            byte[] b = new byte[n];
            rng.NextBytes(b);
            for (int i = 0; i < n; i++)
            {
                if (b[i] == 0x80)
                {
                    b[i] = 0x81;
                }
            }

            return b;
        }
    }
}
