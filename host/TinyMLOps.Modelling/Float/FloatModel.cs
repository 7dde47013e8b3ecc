using TinyMLOps.Shared.Model;

namespace TinyMLOps.Modelling.Float;

/// <summary>
/// A float model in HWC layout: what the trainer produces and the ONNX importer reads. Its layers are in execution
/// order and form a graph like the int8 model's: tensor 0 is the input, tensor k the output of layer k - 1, and
/// layer i reads the tensors <see cref="InputsOf"/> gives (by default tensor i, the previous layer's output).
/// </summary>
public sealed class FloatModel
{
    private readonly int[]?[] _inputs;

    public FloatModel(string name, TensorShape input, IEnumerable<FloatLayer> layers, IReadOnlyList<string>? labels = null, IEnumerable<int[]?>? inputs = null)
    {
        Name = name;
        Input = input;
        Layers = [.. layers];
        Labels = labels ?? [];
        _inputs = inputs == null ? new int[]?[Layers.Count] : [.. inputs];
        if (_inputs.Length != Layers.Count)
        {
            throw new ArgumentException($"{_inputs.Length} input lists for {Layers.Count} layers", nameof(inputs));
        }

        Shapes = ComputeShapes();
    }

    public string Name { get; }

    public TensorShape Input { get; }

    /// <summary>How users give the input (the source graph's layout): recorded in the int8 model for predict and export.</summary>
    public InputLayout InputLayout { get; init; }

    public IReadOnlyList<FloatLayer> Layers { get; }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>Shapes[0] is the input, Shapes[i + 1] the output of layer i.</summary>
    public IReadOnlyList<TensorShape> Shapes { get; }

    public TensorShape Output => Shapes[^1];

    /// <summary>The same model with other class names.</summary>
    public FloatModel WithLabels(IReadOnlyList<string> labels) => new(Name, Input, Layers, labels, _inputs) { InputLayout = InputLayout };

    /// <summary>True when every layer reads the previous one's output.</summary>
    public bool IsChain => _inputs.Select((ids, i) => ids == null || (ids.Length == 1 && ids[0] == i)).All(chain => chain);

    /// <summary>The tensors layer <paramref name="layer"/> reads.</summary>
    public int[] InputsOf(int layer) => _inputs[layer] ?? [layer];

    /// <summary>The layers that read tensor <paramref name="tensor"/>.</summary>
    public IEnumerable<int> ConsumersOf(int tensor) => Enumerable.Range(0, Layers.Count).Where(l => InputsOf(l).Contains(tensor));

    private TensorShape[] ComputeShapes()
    {
        var shapes = new TensorShape[Layers.Count + 1];
        shapes[0] = Input;
        for (int i = 0; i < Layers.Count; i++)
        {
            int[] ids = InputsOf(i);
            if (ids.Length == 0 || ids.Any(id => id < 0 || id > i))
            {
                throw new InvalidOperationException($"layer {i} ({Layers[i].Kind}) reads tensors [{string.Join(",", ids)}]; each must be computed before it (0..{i})");
            }

            shapes[i + 1] = Layers[i].OutputShape([.. ids.Select(id => shapes[id])]);
        }

        return shapes;
    }
}
