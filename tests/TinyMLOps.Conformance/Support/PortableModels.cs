using System;
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

        /// <summary>An autoencoder (features, relu bottleneck, features) whose output kind is <see cref="OutputKind.Anomaly"/>.</summary>
        public static Int8Model Autoencoder(int seed, int features, int hidden, float threshold)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 1, 1, features);
            model.Operators = new Operator[] { Dense(rng, features, hidden, Activation.Relu), Dense(rng, hidden, features, Activation.None) };
            model.Labels = new string[0];
            model.OutputKind = OutputKind.Anomaly;
            model.AnomalyThreshold = threshold;
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

        /// <summary>
        /// A real DAG with every graph kernel: a residual Add of a convolution with its input, a Pad before a second
        /// convolution, a Lookup branch, a requantizing Concat of the two branches, and a squeeze-excite gate
        /// (Mean, a sigmoid Lookup, a per-channel Mul), then a Mean and a dense head.
        /// </summary>
        public static Int8Model Graph(int seed)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 8, 8, 4);
            Conv2D conv = Conv(rng, 8, 8, 4, 4, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.None); // t1
            Operator residual = NewAdd(rng, 1, 0, 8, 8, 4, Activation.Relu); // t2
            Pad pad = NewPad(2, 1, 1, 1, 1, residual); // t3: 10x10x4
            Conv2D conv2 = Conv(rng, 10, 10, 4, 4, new Window(3, 3, 1, 1, 0, 0, 0, 0), Activation.Relu); // t4: 8x8x4
            conv2.InputIds = new int[] { 3 };
            Lookup tanh = NewLookup(2, 8, 8, 4, residual.OutScale, residual.OutZeroPoint, 1); // t5
            Concat cat = NewConcat(rng, new int[] { 4, 5 }, 2, 8, 8, 8); // t6
            Mean squeeze = NewMean(rng, 6, 8); // t7
            Lookup gate = NewLookup(7, 1, 1, 8, squeeze.OutScale, squeeze.OutZeroPoint, 0); // t8
            Operator excite = NewMul(rng, 6, 8, 8, 8, 8, Activation.None); // t9
            Mean pool = NewMean(rng, 9, 8); // t10
            FullyConnected head = Dense(rng, 8, 5, Activation.None); // t11
            model.Operators = new Operator[] { conv, residual, pad, conv2, tanh, cat, squeeze, gate, excite, pool, head };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>
        /// Broadcasting both ways round: per channel (1x1xC against HxWxC, the small one first and second) and a
        /// scalar (1x1x1), for Add and Mul, plus equal shapes.
        /// </summary>
        public static Int8Model Broadcasts(int seed)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 6, 5, 3);
            Conv2D conv = Conv(rng, 6, 5, 3, 3, new Window(1, 1, 1, 1, 0, 0, 0, 0), Activation.None); // t1: 6x5x3
            Mean mean = NewMean(rng, 1, 3); // t2: 1x1x3
            Operator addChannel = NewAdd(rng, 2, 1, 6, 5, 3, Activation.Relu6); // t3
            Operator mulChannel = NewMul(rng, 1, 2, 6, 5, 3, Activation.None); // t4
            Conv2D single = Conv(rng, 6, 5, 3, 1, new Window(1, 1, 1, 1, 0, 0, 0, 0), Activation.None); // t5: 6x5x1
            single.InputIds = new int[] { 0 };
            Mean scalar = NewMean(rng, 5, 1); // t6: 1x1x1
            Operator addScalar = NewAdd(rng, 4, 6, 6, 5, 3, Activation.None); // t7
            Operator mulScalar = NewMul(rng, 6, 3, 6, 5, 3, Activation.Relu); // t8
            Operator addEqual = NewAdd(rng, 7, 8, 6, 5, 3, Activation.None); // t9
            Operator mulEqual = NewMul(rng, 9, 1, 6, 5, 3, Activation.None); // t10
            model.Operators = new Operator[] { conv, mean, addChannel, mulChannel, single, scalar, addScalar, mulScalar, addEqual, mulEqual };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>Concatenation along H, W and C, copies and requantized inputs, three inputs, then asymmetric padding.</summary>
        public static Int8Model Concats(int seed)
        {
            Rng rng = new Rng(seed);
            Int8Model model = Input(rng, 4, 6, 2);
            Conv2D a = Conv(rng, 4, 6, 2, 3, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.Relu); // t1: 4x6x3
            Conv2D b = Conv(rng, 4, 6, 2, 3, new Window(1, 1, 1, 1, 0, 0, 0, 0), Activation.None); // t2: 4x6x3
            b.InputIds = new int[] { 0 };
            Concat alongH = NewConcat(rng, new int[] { 1, 2 }, 0, 8, 6, 3); // t3: 8x6x3, quantized as a
            alongH.OutScale = a.OutScale;
            alongH.OutZeroPoint = a.OutZeroPoint;
            Concat alongW = NewConcat(rng, new int[] { 2, 1, 2 }, 1, 4, 18, 3); // t4: 4x18x3
            Concat alongC = NewConcat(rng, new int[] { 0, 1, 2 }, 2, 4, 6, 8); // t5: 4x6x8
            Pad pad = NewPad(5, 2, 0, 1, 3, alongC); // t6: 6x10x8
            Pad padH = NewPad(3, 0, 1, 0, 0, alongH); // t7: 9x6x3
            Concat last = NewConcat(rng, new int[] { 4, 1 }, 1, 4, 24, 3); // t8: 4x24x3
            model.Operators = new Operator[] { a, b, alongH, alongW, alongC, pad, padH, last };
            model.Labels = new string[0];
            model.Prepare();
            return model;
        }

        /// <summary>A two-input Add of tensors a and b, output h x w x c with a random quantization.</summary>
        public static Operator NewAdd(Rng rng, int a, int b, int h, int w, int c, int activation)
        {
            Add add = new Add();
            add.InputIds = new int[] { a, b };
            Shape(add, h, w, c, 0.02f + (rng.NextFloat() * 0.06f), rng.Next(-30, 30));
            add.FusedActivation = activation;
            return add;
        }

        public static Operator NewMul(Rng rng, int a, int b, int h, int w, int c, int activation)
        {
            Mul mul = new Mul();
            mul.InputIds = new int[] { a, b };
            Shape(mul, h, w, c, 0.02f + (rng.NextFloat() * 0.06f), rng.Next(-30, 30));
            mul.FusedActivation = activation;
            return mul;
        }

        public static Concat NewConcat(Rng rng, int[] inputs, int axis, int h, int w, int c)
        {
            Concat cat = new Concat();
            cat.InputIds = inputs;
            cat.Axis = axis;
            Shape(cat, h, w, c, 0.02f + (rng.NextFloat() * 0.06f), rng.Next(-30, 30));
            return cat;
        }

        public static Pad NewPad(int input, int top, int bottom, int left, int right, Operator producer)
        {
            Pad pad = new Pad();
            pad.InputIds = new int[] { input };
            pad.PadTop = top;
            pad.PadBottom = bottom;
            pad.PadLeft = left;
            pad.PadRight = right;
            Shape(pad, producer.OutH + top + bottom, producer.OutW + left + right, producer.OutC, producer.OutScale, producer.OutZeroPoint);
            return pad;
        }

        public static Mean NewMean(Rng rng, int input, int c)
        {
            Mean mean = new Mean();
            mean.InputIds = new int[] { input };
            Shape(mean, 1, 1, c, 0.01f + (rng.NextFloat() * 0.04f), rng.Next(-30, 30));
            return mean;
        }

        /// <summary>
        /// A Lookup whose table is what a host computes: sigmoid (function 0, output 1/256, zero point -128) or tanh
        /// (function 1, output 1/128, zero point 0), from the input's quantization.
        /// </summary>
        public static Lookup NewLookup(int input, int h, int w, int c, float inScale, int inZeroPoint, int function)
        {
            Lookup lookup = new Lookup();
            lookup.InputIds = new int[] { input };
            float outScale = function == 0 ? 1f / 256f : 1f / 128f;
            int outZeroPoint = function == 0 ? -128 : 0;
            Shape(lookup, h, w, c, outScale, outZeroPoint);
            lookup.Table = new byte[Lookup.TableSize];
            for (int v = 0; v < Lookup.TableSize; v++)
            {
                double x = (v - 128 - inZeroPoint) * (double)inScale;
                double y = function == 0 ? 1.0 / (1.0 + Math.Exp(-x)) : (2.0 / (1.0 + Math.Exp(-2.0 * x))) - 1.0;
                lookup.Table[v] = (byte)QuantMath.Quantize((float)y, outScale, outZeroPoint);
            }

            return lookup;
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
