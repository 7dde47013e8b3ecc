using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Model;

/// <summary>
/// The sections format version 2 added (operator inputs and node names, input layout, output kind, anomaly threshold,
/// and the graph kernels' records: Add, Mul, Concat, Pad, Lookup tables, Mean), fuzzed as a hostile file would be: every
/// byte changed with the checksums recomputed, and the graph's wiring broken on purpose.
/// </summary>
public sealed class GraphSectionFuzzTests
{
    [Fact]
    public void Every_byte_of_a_graph_model_changed_and_resealed_is_either_run_or_refused_with_a_format_error()
    {
        byte[] seed = ModelWriter.Write(RandomModels.Graph(1));
        int rejected = 0, accepted = 0;
        for (int at = ModelFormat.HeaderBytes; at < seed.Length - ModelFormat.CrcBytes; at++)
        {
            foreach (byte value in new[] { (byte)(seed[at] ^ 0x01), (byte)(seed[at] ^ 0x80), (byte)0x00, (byte)0xFF })
            {
                if (value == seed[at])
                {
                    continue;
                }

                byte[] data = (byte[])seed.Clone();
                data[at] = value;
                Reseal(data);
                try
                {
                    var interpreter = new Interpreter(ModelReader.Read(data));
                    interpreter.Invoke();
                    accepted++;
                }
                catch (ModelFormatException)
                {
                    rejected++;
                }
            }
        }

        // Weights and scales accept any value; the structure around them must not crash the runtime.
        Assert.True(rejected > 1_000, $"{rejected} refused, {accepted} ran");
        Assert.True(accepted > 1_000, $"{rejected} refused, {accepted} ran");
    }

    [Fact]
    public void An_input_that_is_not_computed_before_its_operator_is_refused_with_the_operator_named()
    {
        Int8Model model = RandomModels.Graph(1);
        model.Operators[1].InputIds = [1, 5];

        var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(Written(model)));

        Assert.Equal("operator 1 (Add): input 1 is tensor 5, not one computed before it (0..1)", e.Message);
    }

    [Fact]
    public void An_operator_with_the_wrong_number_of_inputs_is_refused()
    {
        Int8Model model = RandomModels.Graph(1);
        model.Operators[1].InputIds = [1];

        var e = Assert.Throws<ModelFormatException>(() => ModelReader.Read(Written(model)));

        Assert.Equal("operator 1 (Add): 1 inputs, it takes 2", e.Message);
    }

    [Fact]
    public void Unknown_layouts_output_kinds_and_bad_thresholds_are_refused()
    {
        Int8Model model = RandomModels.Mlp(5);
        model.OutputKind = OutputKind.Anomaly;
        model.AnomalyThreshold = 0.5f;
        byte[] bytes = ModelWriter.Write(model);
        int threshold = IndexOf(bytes, BitConverter.GetBytes(0.5f));
        int kind = threshold - 1;
        int layout = threshold - 2;
        Assert.Equal((byte)OutputKind.Anomaly, bytes[kind]);

        Assert.Equal("unknown input layout 9", Refused(bytes, layout, [9]));
        Assert.Equal("unknown output kind 7", Refused(bytes, kind, [7]));
        Assert.Equal("anomaly threshold must be finite and not negative", Refused(bytes, threshold, BitConverter.GetBytes(float.NaN)));
        Assert.Equal("anomaly threshold must be finite and not negative", Refused(bytes, threshold, BitConverter.GetBytes(-1f)));
    }

    private static string Refused(byte[] original, int at, byte[] patch)
    {
        byte[] data = (byte[])original.Clone();
        patch.CopyTo(data, at);
        Reseal(data);
        return Assert.Throws<ModelFormatException>(() => ModelReader.Read(data)).Message;
    }

    private static int IndexOf(byte[] data, byte[] pattern)
    {
        int found = -1;
        for (int i = ModelFormat.HeaderBytes; i <= data.Length - pattern.Length; i++)
        {
            if (data.AsSpan(i, pattern.Length).SequenceEqual(pattern))
            {
                Assert.True(found < 0, "the pattern is not unique");
                found = i;
            }
        }

        Assert.True(found >= 0, "the pattern is not in the file");
        return found;
    }

    /// <summary>The writer does not check the wiring, so a hostile tool can write such a file: the reader must catch it.</summary>
    private static byte[] Written(Int8Model model) => ModelWriter.Write(model);

    private static void Reseal(byte[] data)
    {
        BitConverter.GetBytes(data.Length).CopyTo(data, 8);
        Sha256.Compute(data, ModelFormat.HeaderBytes, data.Length - ModelFormat.HeaderBytes - ModelFormat.CrcBytes).CopyTo(data, ModelFormat.HashOffset);
        BitConverter.GetBytes(Crc32.Compute(data, 0, data.Length - 4)).CopyTo(data, data.Length - 4);
    }
}
