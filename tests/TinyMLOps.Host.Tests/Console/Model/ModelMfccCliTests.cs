using System.Text.RegularExpressions;
using TinyMLOps.Host.Tests.Modelling.Data;
using TinyMLOps.Host.Tests.Modelling.Onnx;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Preprocessing;

namespace TinyMLOps.Host.Tests.Console.Model;

/// <summary>`model import-onnx --front-end mfcc --mfcc ...`: the MFCC's parameters travel in the model file; bad ones are one line.</summary>
public sealed class ModelMfccCliTests : ConsoleTest
{
    private static string Onnx => OnnxTestSupport.FixturePath(Path.Combine("keywords", "kws_mfcc_dscnn.onnx"));

    [Fact]
    public void The_mfcc_option_replaces_the_named_parameters_of_the_front_end_in_the_model_file()
    {
        string clips = Clips();
        string tmlm = Path.Combine(Dir.FullName, "kws.tmlm");
        Assert.Equal(0, Run("model", "import-onnx", Onnx, "-o", tmlm, "--calibration", clips, "--front-end", "mfcc", "--mfcc", "mel=32, high=3800,noise=4"));

        var mfcc = Assert.IsType<Mfcc>(ModelReader.Read(File.ReadAllBytes(tmlm)).FrontEnd);
        Assert.Equal((16000, 640, 320, 1024, 49, 32, 10, 20, 3800, 4), (mfcc.SampleRate, mfcc.FrameLength, mfcc.Stride, mfcc.FftSize, mfcc.Frames, mfcc.MelBands, mfcc.Coefficients, mfcc.LowHz, mfcc.HighHz, mfcc.NoiseShift));
        Assert.Contains($"front-end {mfcc.Describe()}", Flat());
        Assert.Contains("calibrating on the fixed-point MFCC of 6 clips", Flat());
    }

    [Theory]
    [InlineData("bands=32", @"error: --mfcc: 'bands=32' is not key=value with a key of rate, frame, hop, fft, frames, mel, coefficients, low, high, noise$")]
    [InlineData("mel=many", @"error: --mfcc: mel=many is not a whole number$")]
    [InlineData("fft=1000", @"error: --mfcc: mfcc front-end: FFT size 1000 is not a power of two from 64 to 1024$")]
    [InlineData("frames=40", @"error: --front-end mfcc gives 40x10x1 \(frames x coefficients x 1\); the model takes 49x10x1$")]
    public void A_bad_mfcc_parameter_is_one_line_naming_it(string spec, string message)
    {
        Assert.Equal(1, Run("model", "import-onnx", Onnx, "-o", Path.Combine(Dir.FullName, "kws.tmlm"), "--calibration", Clips(), "--front-end", "mfcc", "--mfcc", spec));
        Assert.Matches(message, Flat());
    }

    /// <summary>Three 1 s tones in each of two class folders, 16 kHz 16-bit.</summary>
    private string Clips()
    {
        string root = Path.Combine(Dir.FullName, "clips");
        for (int c = 0; c < 2; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"class{c}"));
            for (int i = 0; i < 3; i++)
            {
                double hz = 200 + (300 * c) + (50 * i);
                float[] x = [.. Enumerable.Range(0, 16000).Select(t => (float)(0.3 * Math.Sin(2 * Math.PI * hz * t / 16000)))];
                File.WriteAllBytes(Path.Combine(root, $"class{c}", $"{i}.wav"), DataFiles.Wav(16000, 16, 1, x));
            }
        }

        return root;
    }
}
