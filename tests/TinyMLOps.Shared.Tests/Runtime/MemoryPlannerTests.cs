using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Shared.Tests.Runtime;

public class MemoryPlannerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_layers_input_and_output_never_overlap_unless_it_works_in_place(int seed)
    {
        foreach (var model in new[] { RandomModels.Cnn(seed), RandomModels.Mlp(seed) })
        {
            int arena = MemoryPlanner.Plan(model);
            foreach (var op in model.Operators)
            {
                Assert.InRange(op.InputOffset + op.InputElements, 0, arena);
                Assert.InRange(op.OutputOffset + op.OutputElements, 0, arena);
                if (op.IsInPlace)
                {
                    Assert.Equal(op.InputOffset, op.OutputOffset);
                }
                else
                {
                    bool disjoint = op.InputOffset + op.InputElements <= op.OutputOffset || op.OutputOffset + op.OutputElements <= op.InputOffset;
                    Assert.True(disjoint, $"{op.Name} input and output overlap");
                }
            }
        }
    }

    [Fact]
    public void Arena_is_the_largest_pair_of_neighbouring_buffers()
    {
        var model = RandomModels.Cnn(3);
        int arena = MemoryPlanner.Plan(model);

        // conv out 12x12x6=864 + depthwise out 6x6x12=432 is the largest live pair.
        Assert.Equal(864 + 432, arena);
        Assert.Equal(arena, new Interpreter(model).ArenaBytes);
    }

    [Fact]
    public void Invoke_allocates_nothing()
    {
        foreach (var model in new[] { RandomModels.Cnn(4), RandomModels.Mlp(4) })
        {
            var interpreter = new Interpreter(model);
            byte[] input = RandomModels.RandomInput(new Random(1), model.InputElements);
            interpreter.SetInputFromBytes(input, 0);
            interpreter.Invoke();

            long before = GC.GetAllocatedBytesForCurrentThread();
            int sink = 0;
            for (int i = 0; i < 1000; i++)
            {
                interpreter.SetInputFromBytes(input, 0);
                interpreter.Invoke();
                sink += interpreter.ArgMax();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
            Assert.InRange(sink, 0, 1000 * model.Output.OutputElements);
        }
    }
}
