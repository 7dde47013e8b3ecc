using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// The graph kernels (Add, Mul, Concat, Pad, Lookup, Mean) through the model format, their load-time checks, and
/// the integer arithmetic they share with QuantMath.
/// </summary>
public class GraphKernelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_graph_with_every_new_op_reads_back_to_the_same_bytes_and_outputs(int seed)
    {
        var model = RandomModels.Graph(seed);
        byte[] bytes = ModelWriter.Write(model);
        var read = ModelReader.Read(bytes);

        Assert.Equal(bytes, ModelWriter.Write(read));
        Assert.Equal(model.Operators.Select(o => o.Name), read.Operators.Select(o => o.Name));
        Assert.Equal(Edges(model), Edges(read));
        foreach (string name in new[] { "Add", "Mul", "Concat", "Pad", "Lookup", "Mean" })
        {
            Assert.Contains(read.Operators, o => o.Name == name);
        }

        var a = new Interpreter(model);
        var b = new Interpreter(read);
        var rng = new Random(seed);
        var distinct = new HashSet<string>();
        for (int i = 0; i < 30; i++)
        {
            byte[] input = RandomModels.RandomInput(rng, model.InputElements);
            a.SetInputFromBytes(input, 0);
            b.SetInputFromBytes(input, 0);
            a.Invoke();
            b.Invoke();
            sbyte[] output = a.Arena.AsSpan(a.OutputOffset, a.OutputLength).ToArray();
            Assert.Equal(output, b.Arena.AsSpan(b.OutputOffset, b.OutputLength).ToArray());
            distinct.Add(string.Join(",", output));
        }

        // Not a saturated graph: different inputs give different outputs.
        Assert.True(distinct.Count > 20, distinct.Count + " distinct outputs");
    }

    [Fact]
    public void The_lookup_table_stays_in_the_file_buffer()
    {
        byte[] bytes = ModelWriter.Write(RandomModels.Graph(4));
        var read = ModelReader.Read(bytes);
        var lookup = read.Operators.OfType<Lookup>().First();
        Assert.Same(bytes, lookup.Table);
        Assert.Equal(256, lookup.ParameterBytes);
    }

    [Fact]
    public void The_op_codes_are_registered()
    {
        Assert.IsType<Add>(OperatorFactory.Create(8));
        Assert.IsType<Mul>(OperatorFactory.Create(9));
        Assert.IsType<Concat>(OperatorFactory.Create(10));
        Assert.IsType<Pad>(OperatorFactory.Create(11));
        Assert.IsType<Lookup>(OperatorFactory.Create(12));
        Assert.IsType<Mean>(OperatorFactory.Create(13));
        Assert.Null(OperatorFactory.Create(14));
    }

    [Fact]
    public void Add_rejects_shapes_that_do_not_broadcast()
    {
        var e = Reject(rng => [Conv1x1(rng, 3), Quantized(rng, new Add { InputIds = [1, 0] }, 4, 4, 2)]);
        Assert.Equal("Add: input shapes 4x4x3 and 4x4x2 do not broadcast (equal, 1x1xC or 1x1x1)", e.Message);
    }

    [Fact]
    public void Mul_rejects_an_output_shape_other_than_the_larger_input()
    {
        var e = Reject(rng => [Quantized(rng, new Mean(), 1, 1, 2), Quantized(rng, new Mul { InputIds = [1, 0] }, 1, 1, 2)]);
        Assert.Equal("Mul: output shape 1x1x2 should be 4x4x2", e.Message);
    }

    [Fact]
    public void Add_rejects_a_single_input()
    {
        var e = Reject(rng => [Quantized(rng, new Add { InputIds = [0] }, 4, 4, 2)]);
        Assert.Equal("operator 0 (Add): 1 inputs, it takes 2", e.Message);
    }

    [Fact]
    public void Concat_rejects_a_bad_axis_a_single_input_and_unequal_other_dimensions()
    {
        var axis = Reject(rng => [Quantized(rng, new Concat { InputIds = [0, 0], Axis = 3 }, 4, 4, 4)]);
        Assert.Equal("Concat: axis 3 is not 0 (H), 1 (W) or 2 (C)", axis.Message);

        var single = Reject(rng => [Quantized(rng, new Concat { InputIds = [0], Axis = 2 }, 4, 4, 2)]);
        Assert.Equal("operator 0 (Concat): 1 inputs, it takes 2..64", single.Message);

        var dims = Reject(rng => [Conv1x1(rng, 3), Quantized(rng, new Concat { InputIds = [0, 1], Axis = 1 }, 4, 8, 2)]);
        Assert.Equal("Concat: input 1 is 4x4x3, input 0 is 4x4x2: only axis 1 may differ", dims.Message);

        var shape = Reject(rng => [Quantized(rng, new Concat { InputIds = [0, 0, 0], Axis = 0 }, 8, 4, 2)]);
        Assert.Equal("Concat: output shape 8x4x2 should be 12x4x2", shape.Message);
    }

    [Fact]
    public void Pad_rejects_a_requantization_and_a_wrong_shape()
    {
        var quant = Reject(rng => [Quantized(rng, new Pad { PadTop = 1 }, 5, 4, 2)]);
        Assert.Equal("Pad: output quantization must equal the input's", quant.Message);

        var shape = Reject(rng => [new Pad { PadTop = 1, PadRight = 2, OutH = 5, OutW = 5, OutC = 2, OutScale = 1f / 255f, OutZeroPoint = -128 }]);
        Assert.Equal("Pad: output shape 5x5x2 should be 5x6x2", shape.Message);
    }

    [Fact]
    public void Lookup_and_concat_refuse_a_fused_activation_and_mean_a_wrong_shape()
    {
        var lookup = Reject(rng => [new Lookup { Table = new byte[256], FusedActivation = Activation.Relu, OutH = 4, OutW = 4, OutC = 2, OutScale = 0.1f }]);
        Assert.Equal("Lookup: cannot fuse an activation", lookup.Message);

        var concat = Reject(rng => [Quantized(rng, new Concat { InputIds = [0, 0], Axis = 2, FusedActivation = Activation.Relu }, 4, 4, 4)]);
        Assert.Equal("Concat: cannot fuse an activation", concat.Message);

        var mean = Reject(rng => [Quantized(rng, new Mean(), 1, 1, 3)]);
        Assert.Equal("Mean: output shape 1x1x3 should be 1x1x2", mean.Message);
    }

    [Fact]
    public void A_short_lookup_table_is_rejected_as_truncated()
    {
        var e = Assert.Throws<ModelFormatException>(() => new Lookup().ReadParams(new ByteReader(new byte[100], 0, 100)));
        Assert.Contains("lookup table", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Equal_quantization_requantizes_to_the_identity_and_add_of_equal_scales_uses_halves()
    {
        var table = new sbyte[256];
        QuantMath.FillRequantizeTable(table, 0.05f, 3, 0.05f, 3);
        Assert.Equal(Enumerable.Range(-128, 256).Select(v => (sbyte)v), table);

        QuantMath.PrepareAdd(0.1f, 0.1f, 0.2f, out int m1, out int s1, out int m2, out int s2, out _, out _);
        Assert.Equal((1 << 30, 0), (m1, s1));
        Assert.Equal((m1, s1), (m2, s2));
    }

    [Fact]
    public void Add_of_a_tensor_and_its_negation_in_the_same_scale_is_the_output_zero_point()
    {
        // x + (-x) is exactly 0: both terms come from the same table with opposite signs, nothing rounds differently.
        QuantMath.PrepareAdd(0.03f, 0.03f, 0.05f, out int m1, out int s1, out int m2, out int s2, out int mo, out int so);
        for (int x = -127; x <= 127; x++)
        {
            int sum = QuantMath.AddTerm(x, 0, m1, s1) + QuantMath.AddTerm(-x, 0, m2, s2);
            Assert.Equal(0, QuantMath.MultiplyByQuantizedMultiplier(sum, mo, so));
        }
    }

    [Fact]
    public void Mean_of_a_constant_tensor_is_that_constant_requantized()
    {
        var model = RandomModels.Input(new Random(3), 5, 7, 3);
        var mean = new Mean { OutH = 1, OutW = 1, OutC = 3, OutScale = model.InputScale, OutZeroPoint = model.InputZeroPoint };
        model.Operators = [mean];
        model.Labels = [];
        model.Prepare();
        var interpreter = new Interpreter(model);
        for (int v = -128; v <= 127; v += 17)
        {
            interpreter.SetInput(Enumerable.Repeat((sbyte)v, model.InputElements).ToArray(), 0);
            interpreter.Invoke();
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(v, interpreter.GetOutput(c));
            }
        }
    }

    private static string[] Edges(Int8Model m) =>
        m.Operators.Select((op, i) => string.Join(",", Enumerable.Range(0, op.InputCount).Select(k => m.InputIdOf(i, k)))).ToArray();

    /// <summary>Builds a model on a 4x4x2 input from the given operators and expects Prepare to refuse it.</summary>
    private static ModelFormatException Reject(Func<Random, Operator[]> ops)
    {
        var rng = new Random(5);
        var model = RandomModels.Input(rng, 4, 4, 2);
        model.Operators = ops(rng);
        model.Labels = [];
        return Assert.Throws<ModelFormatException>(model.Prepare);
    }

    private static Operator Quantized(Random rng, Operator op, int h, int w, int c)
    {
        RandomModels.Quantized(rng, op, h, w, c);
        return op;
    }

    private static Conv2D Conv1x1(Random rng, int outC) => RandomModels.Conv(rng, 4, 4, 2, outC, new Window(1, 1, 1, 1, 0, 0, 0, 0), Activation.None);
}
