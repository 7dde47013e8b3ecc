using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Shared.Tests.Runtime;

/// <summary>How the interpreter hands operators to a kernel backend and falls back to the C# kernels.</summary>
public sealed class InterpreterBackendTests
{
    [Fact]
    public void A_backend_that_declines_every_kernel_leaves_the_csharp_results_and_is_asked_once_per_operator()
    {
        var declining = new ScriptedBackend(handle: false);
        var (reference, offered) = (new Interpreter(PortableModels.Graph(3), null), new Interpreter(PortableModels.Graph(3), declining));
        var input = Input(reference.InputLength, 5);
        reference.SetInput(input, 0);
        offered.SetInput(input, 0);
        reference.Invoke();
        offered.Invoke();

        Assert.Equal(reference.Arena, offered.Arena);
        Assert.Equal(offered.Model.Operators.Count(op => op is not Reshape), declining.Asked);
    }

    [Fact]
    public void A_backend_that_takes_a_kernel_replaces_the_csharp_kernel()
    {
        // The scripted backend writes 7 into every output: the interpreter must not run the C# kernel after it.
        var taking = new ScriptedBackend(handle: true);
        Int8Model model = PortableModels.Mlp(2);
        var interpreter = new Interpreter(model, taking);
        interpreter.SetInput(Input(interpreter.InputLength, 1), 0);
        interpreter.Invoke();

        Assert.All(Enumerable.Range(0, interpreter.OutputLength), i => Assert.Equal(7, interpreter.GetOutput(i)));
        Assert.Equal("scripted", interpreter.Backend!.Name);
    }

    [Fact]
    public void An_operator_with_an_accumulator_probe_stays_on_the_csharp_kernel()
    {
        var taking = new ScriptedBackend(handle: true);
        Int8Model model = PortableModels.Mlp(2);
        var interpreter = new Interpreter(model, taking);
        Operator dense = model.Operators.First(op => op is FullyConnected);
        dense.AccumulatorProbe = new int[dense.AccumulatorCount];
        interpreter.SetInput(Input(interpreter.InputLength, 1), 0);
        interpreter.Invoke();

        Assert.Contains(dense.AccumulatorProbe, a => a != 0);
        Assert.Equal(model.Operators.Count(op => op is not Reshape) - 1, taking.Asked);
    }

    [Fact]
    public void Without_a_backend_the_device_reports_managed_kernels()
    {
        Assert.Equal("managed", KernelBackends.NameOf(null));
        Assert.Equal("scripted", KernelBackends.NameOf(new ScriptedBackend(true)));
    }

    private static sbyte[] Input(int length, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => (sbyte)rng.Next(-128, 128))];
    }

    /// <summary>Counts the kernels offered; when it takes one, it fills the operator's output with 7.</summary>
    private sealed class ScriptedBackend(bool handle) : IKernelBackend
    {
        public int Asked { get; private set; }

        public string Name => "scripted";

        public bool FullyConnected(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts) => Take(call, arena);

        public bool Conv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts) => Take(call, arena);

        public bool DepthwiseConv2D(int[] call, sbyte[] arena, byte[] weights, int[] bias, int[] multipliers, int[] shifts) => Take(call, arena);

        public bool AveragePool2D(int[] call, sbyte[] arena) => Take(call, arena);

        public bool MaxPool2D(int[] call, sbyte[] arena) => Take(call, arena);

        public bool Add(int[] call, sbyte[] arena, int[] terms) => Take(call, arena);

        public bool Mul(int[] call, sbyte[] arena) => Take(call, arena);

        public bool Softmax(int[] call, sbyte[] arena, int[] expTable) => Take(call, arena);

        public bool Mean(int[] call, sbyte[] arena, int[] sums) => Take(call, arena);

        public bool Concat(int[] call, sbyte[] arena, sbyte[] tables) => Take(call, arena);

        public bool Pad(int[] call, sbyte[] arena) => Take(call, arena);

        public bool Lookup(int[] call, sbyte[] arena, byte[] table) => Take(call, arena);

        private bool Take(int[] call, sbyte[] arena)
        {
            Asked++;
            if (handle)
            {
                Array.Fill(arena, (sbyte)7, call[KernelCall.Output], call[KernelCall.OutH] * call[KernelCall.OutW] * call[KernelCall.OutC]);
            }

            return handle;
        }
    }
}
