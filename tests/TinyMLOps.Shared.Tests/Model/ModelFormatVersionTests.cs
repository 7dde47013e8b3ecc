using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Model;

/// <summary>
/// Format version 1 files (chains, written before the graph format) keep loading and give the outputs they gave
/// then. The fixtures were imported from tests/TinyMLOps.Host.Tests/Fixtures/pytorch_*.onnx by the version 1 code
/// (commit f2e5076) and their output CRCs taken with it.
/// </summary>
public class ModelFormatVersionTests
{
    [Theory]
    [InlineData("pytorch_cnn.v1.tmlm", 3677360292u)]
    [InlineData("pytorch_view_cnn.v1.tmlm", 41803349u)]
    public void A_version_1_file_loads_and_gives_the_outputs_it_gave_before(string file, uint crc)
    {
        byte[] bytes = File.ReadAllBytes(Fixture(file));
        Assert.Equal(1, bytes[4]);
        Int8Model model = ModelReader.Read(bytes);
        Assert.Equal(InputLayout.Hwc, model.InputLayout);
        Assert.Equal(OutputKind.Classes, model.OutputKind);
        Assert.All(model.Operators, op => Assert.Null(op.InputIds));
        Assert.Equal(crc, OutputCrc(model));
    }

    [Theory]
    [InlineData("pytorch_cnn.v1.tmlm", 3677360292u)]
    [InlineData("pytorch_view_cnn.v1.tmlm", 41803349u)]
    public void A_version_1_model_written_again_is_version_2_with_the_same_outputs(string file, uint crc)
    {
        Int8Model model = ModelReader.Read(File.ReadAllBytes(Fixture(file)));
        byte[] again = ModelWriter.Write(model);
        Assert.Equal(ModelFormat.Version, again[4]);
        Int8Model read = ModelReader.Read(again);
        for (int i = 0; i < read.Operators.Length; i++)
        {
            Assert.Equal([i], read.Operators[i].InputIds);
        }

        Assert.Equal(crc, OutputCrc(read));
    }

    [Fact]
    public void A_newer_format_version_is_named_in_the_error()
    {
        byte[] bytes = ModelWriter.Write(RandomModels.Mlp(2));
        bytes[4] = 3;
        var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(bytes));
        Assert.Equal("unsupported model format version 3 (this runtime reads versions 1 to 2)", e.Message);
    }

    [Fact]
    public void Input_layout_output_kind_and_threshold_round_trip()
    {
        Int8Model model = RandomModels.Mlp(5);
        model.InputLayout = InputLayout.Nchw;
        model.OutputKind = OutputKind.Anomaly;
        model.AnomalyThreshold = 0.125f;
        model.Operators[1].NodeName = "/fc1/Gemm";
        Int8Model read = ModelReader.Read(ModelWriter.Write(model));
        Assert.Equal(InputLayout.Nchw, read.InputLayout);
        Assert.Equal(OutputKind.Anomaly, read.OutputKind);
        Assert.Equal(0.125f, read.AnomalyThreshold);
        Assert.Equal("/fc1/Gemm", read.Operators[1].NodeName);
        Assert.Equal([1, 8, 8], read.UserInputShape());
    }

    // Deterministic inputs the version 1 code hashed the outputs of.
    private static uint OutputCrc(Int8Model model)
    {
        var interpreter = new Interpreter(model);
        uint crc = Crc32.Start();
        var input = new byte[model.InputElements];
        var output = new byte[interpreter.OutputLength];
        for (int s = 0; s < 64; s++)
        {
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = (byte)(((i * 31) + (s * 17) + (i * i * s)) & 255);
            }

            interpreter.SetInputFromBytes(input, 0);
            interpreter.Invoke();
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = (byte)interpreter.GetOutput(i);
            }

            crc = Crc32.Update(crc, output, 0, output.Length);
        }

        return Crc32.Finish(crc);
    }

    internal static string Fixture(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "TinyMLOps.Shared.Tests", "Fixtures", file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("fixture not found above " + AppContext.BaseDirectory, file);
    }
}
