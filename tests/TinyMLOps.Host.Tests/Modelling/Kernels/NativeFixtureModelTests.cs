using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Tests.Kernels;
using Xunit.Abstractions;

namespace TinyMLOps.Host.Tests.Modelling.Kernels;

/// <summary>
/// Every ONNX fixture model, quantized, run on the C kernels of firmware/native (through the call descriptors the
/// firmware's glue receives) and on the C# kernels: the whole arena is byte-identical after every inference.
/// </summary>
public sealed class NativeFixtureModelTests(ITestOutputHelper output)
{
    private const int Inputs = 50;

    public static TheoryData<string> Fixtures() => FixtureModels.All();

    [NativeKernelTheory]
    [MemberData(nameof(Fixtures))]
    public void A_fixture_model_on_the_native_kernels_gives_the_csharp_kernels_bytes(string file)
    {
        var native = new NativeKernelBackend();
        Int8Model model = FixtureModels.Load(file);
        var reference = new Interpreter(model, null);
        var offloaded = new Interpreter(FixtureModels.Load(file), native);
        var rng = new Random(file.Length);
        var input = new sbyte[model.InputElements];
        for (int n = 0; n < Inputs; n++)
        {
            rng.NextBytes((byte[])(Array)input);
            reference.SetInput(input, 0);
            offloaded.SetInput(input, 0);
            reference.Invoke();
            offloaded.Invoke();
            int same = reference.Arena.AsSpan().CommonPrefixLength(offloaded.Arena);
            Assert.True(same == reference.Arena.Length, $"{file}, input {n}: arena byte {same} differs");
        }

        Assert.Equal(model.Operators.Count(op => op is not Reshape) * Inputs, native.Calls.Values.Sum());
        output.WriteLine($"{file}: {model.Operators.Length} operators, {model.TotalMacs:N0} MACs, {Inputs} inputs identical; C calls: {string.Join(", ", native.Calls.Select(c => c.Key + " " + c.Value / Inputs))}");
    }
}
