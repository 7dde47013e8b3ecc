using System.Text.RegularExpressions;
using TinyMLOps.Host.Tests.Modelling.Data;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Quantization;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>`model predict`: batch inference on .npy arrays, through the real command tree.</summary>
public sealed class ModelPredictCliTests : ConsoleTest
{
    private static readonly Lazy<byte[]> FashionMlp = new(() => ModelWriter.Write(PostTrainingQuantizer.Quantize(
        TrainedModels.Mlp, TestData.Fashion.HeldOut.Take(500), new QuantizationOptions { ModelId = "fashion", VariantId = "mlp-predict" })));

    /// <summary>A 12x10x3 CNN (H, W and C all different), quantized on random images.</summary>
    private static readonly Lazy<byte[]> ColourCnn = new(() =>
    {
        var rng = new Random(5);
        var pixels = new byte[40 * 12 * 10 * 3];
        rng.NextBytes(pixels);
        var images = new ImageDataset("random-colour", 12, 10, 3, pixels, new byte[40], ["a", "b", "c", "d", "e"]);
        return ModelWriter.Write(PostTrainingQuantizer.Quantize(OnnxModels.RandomFloatCnn(seed: 21), images, new QuantizationOptions { ModelId = "colour", VariantId = "cnn" }));
    });

    [Fact]
    public void Predicting_fashion_mnist_images_gives_the_interpreters_own_outputs_and_top_1()
    {
        const int n = 60;
        string model = Save("mlp.tmlm", FashionMlp.Value);
        float[] x = TestData.Fashion.Test.GetInputs(0, n);
        string input = Save("x.npy", Npy.WriteFloat32(x, n, 1, 28, 28));
        string output = Path.Combine(Dir.FullName, "y.npy");

        Assert.Equal(0, Run("model", "predict", model, "--input", input, "--out", output));

        NpyArray y = Npy.Read(output);
        Assert.Equal("<f4", y.Descr);
        Assert.Equal([n, 10], y.Shape);
        Int8Model m = ModelReader.Read(FashionMlp.Value);
        var interpreter = new Interpreter(m);
        var counts = new int[10];
        for (int s = 0; s < n; s++)
        {
            interpreter.SetInputFromFloats(x, s * 784);
            interpreter.Invoke();
            for (int o = 0; o < 10; o++)
            {
                Assert.Equal((interpreter.GetOutput(o) - m.Output.OutZeroPoint) * m.Output.OutScale, y.Values[(s * 10) + o]);
            }

            int top1 = interpreter.ArgMax();
            Assert.Equal(top1, ArgMax(y.Values.AsSpan(s * 10, 10)));
            counts[top1]++;
        }

        string text = Normalized();
        Assert.Contains($"mlp.tmlm on x.npy: ({n}, 1, 28, 28) <f4 read as NCHW", text);
        Assert.Matches($@"predicted {n} samples in [\d,]+ ms \(\d+\.\d{{3}} ms per sample\)", text);
        Assert.Contains($"wrote y.npy: float32 '<f4' (dequantized) ({n}, 10)", text);
        Assert.Contains("top-1 class counts", text);
        Assert.Contains($"9 Ankle boot {counts[9]} {(double)counts[9] / n:P1}", text);
    }

    [Fact]
    public void Flat_batch_and_single_sample_inputs_give_the_same_outputs_as_nchw()
    {
        const int n = 7;
        string model = Save("mlp.tmlm", FashionMlp.Value);
        float[] x = TestData.Fashion.Test.GetInputs(100, n);
        byte[] nchw = Predict(model, Npy.WriteFloat32(x, n, 1, 28, 28));
        Assert.Equal(nchw, Predict(model, Npy.WriteFloat32(x, n, 784)));
        Assert.Equal(nchw, Predict(model, Npy.WriteFloat32(x, n, 28, 28)));
        Assert.Equal(nchw, Predict(model, Npy.WriteFloat32(x, n, 28, 28, 1)));

        NpyArray batch = Npy.Read(nchw);
        NpyArray one = Npy.Read(Predict(model, Npy.WriteFloat32(x.AsSpan(0, 784), 28, 28, 1)));
        Assert.Equal([1, 10], one.Shape);
        Assert.Equal(batch.Values[..10], one.Values);
    }

    [Fact]
    public void The_committed_numpy_nchw_and_nhwc_images_give_identical_outputs()
    {
        string model = Save("mlp.tmlm", FashionMlp.Value);
        byte[] a = Predict(model, NpyTests.Fixture("images_nchw.npy"));
        byte[] b = Predict(model, NpyTests.Fixture("images_nhwc.npy"));
        Assert.Equal([3, 10], Npy.Read(a).Shape);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Nchw_and_nhwc_inputs_of_a_three_channel_model_give_identical_outputs_equal_to_the_interpreter()
    {
        const int n = 5, h = 12, w = 10, c = 3;
        string model = Save("cnn.tmlm", ColourCnn.Value);
        float[] nhwc = TestData.RandomFloats(n * h * w * c, seed: 8, lo: 0f, hi: 1f);
        var nchw = new float[nhwc.Length];
        for (int s = 0; s < n; s++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        nchw[(s * h * w * c) + (((ch * h) + y) * w) + x] = nhwc[(s * h * w * c) + (((y * w) + x) * c) + ch];
                    }
                }
            }
        }

        byte[] fromNhwc = Predict(model, Npy.WriteFloat32(nhwc, n, h, w, c), "--raw");
        Assert.Contains("read as NHWC", Normalized());
        byte[] fromNchw = Predict(model, Npy.WriteFloat32(nchw, n, c, h, w), "--raw");
        Assert.Contains("read as NCHW", Normalized());
        Assert.Equal(fromNhwc, fromNchw);

        // Flat rows: C·H·W order (PyTorch's flatten) by default, H·W·C order with --layout nhwc.
        Assert.Equal(fromNhwc, Predict(model, Npy.WriteFloat32(nchw, n, c * h * w), "--raw"));
        Assert.Contains("read as N·360 flat, C·H·W order", Normalized());
        Assert.Equal(fromNhwc, Predict(model, Npy.WriteFloat32(nhwc, n, c * h * w), "--raw", "--layout", "nhwc"));

        var interpreter = new Interpreter(ModelReader.Read(ColourCnn.Value));
        NpyArray outputs = Npy.Read(fromNhwc);
        Assert.Equal("|i1", outputs.Descr);
        Assert.Equal([n, 5], outputs.Shape);
        for (int s = 0; s < n; s++)
        {
            interpreter.SetInputFromFloats(nhwc, s * h * w * c);
            interpreter.Invoke();
            Assert.Equal(Enumerable.Range(0, 5).Select(o => (float)interpreter.GetOutput(o)), outputs.Values.Skip(s * 5).Take(5));
        }
    }

    [Fact]
    public void Raw_writes_the_int8_outputs_as_i1()
    {
        string model = Save("mlp.tmlm", FashionMlp.Value);
        float[] x = TestData.Fashion.Test.GetInputs(0, 4);
        byte[] raw = Predict(model, Npy.WriteFloat32(x, 4, 784), "--raw");
        Assert.Contains("wrote y.npy: int8 '|i1' (raw) (4, 10)", Normalized());
        NpyArray q = Npy.Read(raw);
        Assert.Equal("|i1", q.Descr);
        Assert.Equal(4 * 10 + 128, raw.Length);
        NpyArray f = Npy.Read(Predict(model, Npy.WriteFloat32(x, 4, 784)));
        Int8Model m = ModelReader.Read(FashionMlp.Value);
        Assert.Equal(q.Values.Select(v => (v - m.Output.OutZeroPoint) * m.Output.OutScale), f.Values);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 28 })]
    [InlineData(new[] { 2, 28, 28, 3 })]
    [InlineData(new[] { 2, 785 })]
    [InlineData(new int[0])]
    public void A_wrong_shape_gets_one_line_naming_the_expected_shapes_and_exit_code_1(int[] shape)
    {
        string model = Save("mlp.tmlm", FashionMlp.Value);
        int count = shape.Aggregate(1, (p, d) => p * d);
        string input = Save("x.npy", Npy.WriteFloat32(new float[count], shape));
        string output = Path.Combine(Dir.FullName, "y.npy");
        Assert.Equal(1, Run("model", "predict", model, "--input", input, "--out", output));
        Assert.Equal(
            $"error: input shape {Npy.FormatShape(shape)} does not fit the model's 28x28x1 (HxWxC) input; expected (N, 1, 28, 28) NCHW, (N, 28, 28, 1) NHWC, (N, 28, 28), (N, 784) flat, or one sample (1, 28, 28), (28, 28, 1), (784,)",
            Normalized());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_forced_layout_that_does_not_fit_says_so()
    {
        string model = Save("cnn.tmlm", ColourCnn.Value);
        string input = Save("x.npy", Npy.WriteFloat32(new float[2 * 360], 2, 3, 12, 10));
        Assert.Equal(1, Run("model", "predict", model, "-i", input, "-o", Path.Combine(Dir.FullName, "y.npy"), "--layout", "nhwc"));
        Assert.Equal(
            "error: input shape (2, 3, 12, 10) does not fit the model's 12x10x3 (HxWxC) input with layout NHWC; expected (N, 12, 10, 3) NHWC, (N, 360) flat, or one sample (12, 10, 3), (360,)",
            Normalized());
    }

    [Fact]
    public void A_file_that_is_not_npy_gets_one_line_and_exit_code_1()
    {
        string model = Save("mlp.tmlm", FashionMlp.Value);
        string input = Save("x.npy", "1.0,2.0,3.0\n"u8.ToArray());
        Assert.Equal(1, Run("model", "predict", model, "--input", input, "--out", Path.Combine(Dir.FullName, "y.npy")));
        Assert.Equal("error: x.npy: not a .npy file (no \\x93NUMPY magic at the start)", Normalized());
    }

    [Fact]
    public void A_large_batch_runs_behind_a_progress_bar_and_keeps_the_sample_order()
    {
        int n = ModelPredictCommand_ProgressThreshold + 500;
        string model = Save("mlp.tmlm", FashionMlp.Value);
        float[] x = TestData.Fashion.Test.GetInputs(0, n);
        NpyArray y = Npy.Read(Predict(model, Npy.WriteFloat32(x, n, 784), "--raw"));
        Assert.Contains($"predicted {n:N0} samples", Normalized());
        var interpreter = new Interpreter(ModelReader.Read(FashionMlp.Value));
        foreach (int s in new[] { 0, 255, 256, 1000, n - 1 })
        {
            interpreter.SetInputFromFloats(x, s * 784);
            interpreter.Invoke();
            Assert.Equal(interpreter.ArgMax(), ArgMax(y.Values.AsSpan(s * 10, 10)));
        }
    }

    private static int ModelPredictCommand_ProgressThreshold => TinyMLOps.Console.Commands.Model.ModelPredictCommand.ProgressThreshold;

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }

        return best;
    }

    private string Save(string name, byte[] bytes)
    {
        string path = Path.Combine(Dir.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Runs `model predict` on <paramref name="npy"/> and returns the written y.npy (the output is kept for assertions).</summary>
    private byte[] Predict(string model, byte[] npy, params string[] options)
    {
        Out.GetStringBuilder().Clear();
        string input = Save("x.npy", npy);
        string output = Path.Combine(Dir.FullName, "y.npy");
        int code = Run(["model", "predict", model, "--input", input, "--out", output, .. options]);
        Assert.True(code == 0, Out.ToString());
        return File.ReadAllBytes(output);
    }

    /// <summary>The output with whitespace runs (Spectre's wrapping and table borders' padding) as single spaces, table borders removed.</summary>
    private string Normalized() => Regex.Replace(Regex.Replace(Out.ToString(), "[│─┌┐└┘├┤┬┴┼]", " "), @"\s+", " ").Trim();
}
