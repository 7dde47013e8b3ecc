using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Shared.Tests.Runtime;

/// <summary>
/// Graphs, not chains: random DAGs of dense layers (each reads a random earlier tensor, some through an in-place
/// reshape) are planned into one arena and must give the same outputs as every tensor in its own buffer.
/// </summary>
public class GraphPlanTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_random_graph_gives_the_same_outputs_as_unshared_buffers(int seed)
    {
        Int8Model model = RandomGraph(seed);
        var interpreter = new Interpreter(model);
        var rng = new Random(seed * 7);
        for (int sample = 0; sample < 5; sample++)
        {
            byte[] input = RandomModels.RandomInput(rng, model.InputElements);
            interpreter.SetInputFromBytes(input, 0);
            interpreter.Invoke();
            sbyte[] planned = new sbyte[interpreter.OutputLength];
            Array.Copy(interpreter.Arena, interpreter.OutputOffset, planned, 0, planned.Length);

            Assert.Equal(Unshared(model, interpreter.Arena, input), planned);

            // Unshared moved the offsets: plan again for the next sample.
            interpreter = new Interpreter(model);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(7)]
    public void Tensors_alive_together_never_share_bytes_and_the_arena_is_within_its_bounds(int seed)
    {
        Int8Model model = RandomGraph(seed);
        int arena = MemoryPlanner.Plan(model);
        int lower = MemoryPlanner.LowerBound(model);
        Operator[] ops = model.Operators;
        int total = model.InputElements + ops.Where(o => !o.IsInPlace).Sum(o => o.OutputElements);
        Assert.InRange(arena, lower, total);

        // Every operator's inputs and output, and every tensor alive across it, in distinct bytes.
        int[] offset = new int[ops.Length + 1];
        int[] last = new int[ops.Length + 1];
        offset[0] = ops[0].InputOffset;
        for (int i = 0; i < ops.Length; i++)
        {
            offset[i + 1] = ops[i].OutputOffset;
            for (int k = 0; k < ops[i].InputCount; k++)
            {
                int t = model.InputIdOf(i, k);
                last[t] = Math.Max(last[t], i);
            }
        }

        last[ops.Length] = ops.Length;
        for (int step = 0; step < ops.Length; step++)
        {
            var alive = Enumerable.Range(0, ops.Length + 1).Where(t => t <= step + 1 && Root(model, t) == t && LastOfBuffer(model, last, t) >= step).ToList();
            foreach (int a in alive)
            {
                foreach (int b in alive.Where(b => b > a))
                {
                    bool disjoint = offset[a] + Size(model, a) <= offset[b] || offset[b] + Size(model, b) <= offset[a];
                    Assert.True(disjoint, $"seed {seed}, step {step}: tensors {a} and {b} overlap");
                }
            }
        }
    }

    [Fact]
    public void A_chain_gets_the_arena_of_its_largest_neighbouring_pair()
    {
        Int8Model model = RandomModels.Cnn(3);
        Assert.Equal(MemoryPlanner.LowerBound(model), MemoryPlanner.Plan(model));
    }

    [Fact]
    public void An_input_that_is_not_an_earlier_tensor_is_refused()
    {
        Int8Model model = RandomModels.Mlp(1);
        model.Operators[1].InputIds = [2];
        var e = Assert.Throws<ModelFormatException>(model.Prepare);
        Assert.Equal("operator 1 (FullyConnected): input 0 is tensor 2, not one computed before it (0..1)", e.Message);
    }

    [Fact]
    public void Too_many_inputs_for_an_operator_are_refused()
    {
        Int8Model model = RandomModels.Mlp(1);
        model.Operators[1].InputIds = [1, 0];
        var e = Assert.Throws<ModelFormatException>(model.Prepare);
        Assert.Equal("operator 1 (FullyConnected): 2 inputs, it takes 1", e.Message);
    }

    [Fact]
    public void A_graph_round_trips_through_the_model_format()
    {
        Int8Model model = RandomGraph(9);
        Int8Model read = ModelReader.Read(ModelWriter.Write(model));
        for (int i = 0; i < model.Operators.Length; i++)
        {
            Assert.Equal(model.Operators[i].InputIds, read.Operators[i].InputIds);
        }

        var a = new Interpreter(model);
        var b = new Interpreter(read);
        byte[] input = RandomModels.RandomInput(new Random(1), model.InputElements);
        a.SetInputFromBytes(input, 0);
        b.SetInputFromBytes(input, 0);
        a.Invoke();
        b.Invoke();
        Assert.Equal(a.Arena.AsSpan(a.OutputOffset, a.OutputLength).ToArray(), b.Arena.AsSpan(b.OutputOffset, b.OutputLength).ToArray());
    }

    /// <summary>Dense layers on vectors, each reading a random earlier tensor; some outputs pass through a reshape (in place).</summary>
    internal static Int8Model RandomGraph(int seed)
    {
        var rng = new Random(seed);
        Int8Model model = RandomModels.Input(rng, 1, 1, rng.Next(8, 40));
        var ops = new List<Operator>();
        var sizes = new List<int> { model.InputC };
        var specs = new List<(float Scale, int Zp)> { (model.InputScale, model.InputZeroPoint) };
        int count = rng.Next(6, 14);
        for (int i = 0; i < count; i++)
        {
            // The last operator reads the newest tensor sometimes and an old one otherwise.
            int from = rng.Next(0, sizes.Count);
            Operator op;
            if (i > 0 && rng.Next(5) == 0)
            {
                op = new Reshape { OutH = 1, OutW = 1, OutC = sizes[from], OutScale = specs[from].Scale, OutZeroPoint = specs[from].Zp };
            }
            else
            {
                op = RandomModels.Dense(rng, sizes[from], rng.Next(4, 48), rng.Next(2) == 0 ? Activation.Relu : Activation.None);
            }

            op.InputIds = [from];
            ops.Add(op);
            sizes.Add(op.OutC);
            specs.Add((op.OutScale, op.OutZeroPoint));
        }

        model.Operators = [.. ops];
        model.Labels = [];
        model.Prepare();
        return model;
    }

    /// <summary>Runs every operator with each tensor in a buffer of its own; returns the output tensor.</summary>
    private static sbyte[] Unshared(Int8Model model, sbyte[] plannedArena, byte[] raw)
    {
        Operator[] ops = model.Operators;
        int[] offset = new int[ops.Length + 1];
        int total = model.InputElements;
        for (int i = 0; i < ops.Length; i++)
        {
            offset[i + 1] = total;
            total += ops[i].OutputElements;
        }

        sbyte[] arena = new sbyte[total];
        var table = new sbyte[256];
        QuantMath.FillPixelTable(table, model.InputScale, model.InputZeroPoint);
        for (int i = 0; i < model.InputElements; i++)
        {
            arena[i] = table[raw[i]];
        }

        for (int i = 0; i < ops.Length; i++)
        {
            Operator op = ops[i];
            op.InputOffsets = [.. Enumerable.Range(0, op.InputCount).Select(k => offset[model.InputIdOf(i, k)])];
            op.InputOffset = op.InputOffsets[0];
            op.OutputOffset = offset[i + 1];
            if (op.IsInPlace)
            {
                Array.Copy(arena, op.InputOffset, arena, op.OutputOffset, op.OutputElements);
            }
            else
            {
                op.Eval(arena);
            }
        }

        Assert.NotNull(plannedArena);
        return arena.AsSpan(offset[ops.Length], ops[^1].OutputElements).ToArray();
    }

    private static int Root(Int8Model model, int t) => t > 0 && model.Operators[t - 1].IsInPlace ? Root(model, model.InputIdOf(t - 1, 0)) : t;

    private static int Size(Int8Model model, int t) => t == 0 ? model.InputElements : model.Operators[t - 1].OutputElements;

    private static int LastOfBuffer(Int8Model model, int[] last, int root)
    {
        int end = last[root];
        for (int t = 1; t < last.Length; t++)
        {
            if (t != root && Root(model, t) == root)
            {
                end = Math.Max(end, last[t]);
            }
        }

        return end;
    }
}
