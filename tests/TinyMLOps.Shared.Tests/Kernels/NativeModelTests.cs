using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Kernels;

/// <summary>
/// Whole models on the C kernels of firmware/native (through the same call descriptors the firmware's interop glue
/// receives) against the C# kernels: after every inference the whole arena, every operator's last output, is
/// byte-identical.
/// </summary>
public sealed class NativeModelTests(ITestOutputHelper output)
{
    private const int Inputs = 200;

    public static TheoryData<string> Models() =>
        ["mlp", "small-mlp", "autoencoder", "cnn", "wide-conv", "separable", "graph", "broadcasts", "concats", "pytorch_cnn.v1.tmlm", "pytorch_view_cnn.v1.tmlm"];

    [NativeKernelTheory]
    [MemberData(nameof(Models))]
    public void A_model_on_the_native_kernels_fills_the_arena_with_the_csharp_kernels_bytes(string name)
    {
        var native = new NativeKernelBackend();
        Int8Model model = Load(name);
        var reference = new Interpreter(model, null);
        var offloaded = new Interpreter(Load(name), native);
        var rng = new Random(name.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        var input = new sbyte[model.InputElements];
        for (int n = 0; n < Inputs; n++)
        {
            rng.NextBytes((byte[])(Array)input);
            reference.SetInput(input, 0);
            offloaded.SetInput(input, 0);
            reference.Invoke();
            offloaded.Invoke();
            int differs = FirstDifference(reference.Arena, offloaded.Arena);
            Assert.True(differs < 0, $"{name}, input {n}: arena byte {differs} differs ({Owner(model, differs)})");
        }

        int kernels = model.Operators.Count(op => op is not Reshape);
        Assert.Equal(kernels * Inputs, native.Calls.Values.Sum());
        output.WriteLine($"{name}: {model.Operators.Length} operators, {model.TotalMacs:N0} MACs, {Inputs} inputs identical; C calls: {string.Join(", ", native.Calls.Select(c => c.Key + " " + c.Value))}");
    }

    internal static Int8Model Load(string name) => name switch
    {
        "mlp" => PortableModels.Mlp(1),
        "small-mlp" => PortableModels.SmallMlp(2, 13, 24, 3),
        "autoencoder" => PortableModels.Autoencoder(3, 40, 12, 0.5f),
        "cnn" => PortableModels.Cnn(4),
        "wide-conv" => PortableModels.WideConv(5),
        "separable" => PortableModels.Separable(6),
        "graph" => PortableModels.Graph(7),
        "broadcasts" => PortableModels.Broadcasts(8),
        "concats" => PortableModels.Concats(9),
        _ => ModelReader.Read(File.ReadAllBytes(Tests.Model.ModelFormatVersionTests.Fixture(name))),
    };

    private static int FirstDifference(sbyte[] a, sbyte[] b)
    {
        int i = a.AsSpan().CommonPrefixLength(b);
        return i == a.Length ? -1 : i;
    }

    private static string Owner(Int8Model model, int offset)
    {
        Operator? op = model.Operators.LastOrDefault(o => offset >= o.OutputOffset && offset < o.OutputOffset + o.OutputElements);
        return op == null ? "no operator's output" : op.Name + " output";
    }
}
