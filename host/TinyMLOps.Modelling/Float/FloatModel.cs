namespace TinyMLOps.Modelling.Float;

/// <summary>A sequential float model in HWC layout: what the trainer produces and the ONNX importer reads.</summary>
public sealed class FloatModel
{
    public FloatModel(string name, TensorShape input, IEnumerable<FloatLayer> layers, IReadOnlyList<string>? labels = null)
    {
        Name = name;
        Input = input;
        Layers = [.. layers];
        Labels = labels ?? [];
        Shapes = ComputeShapes();
    }

    public string Name { get; }

    public TensorShape Input { get; }

    public IReadOnlyList<FloatLayer> Layers { get; }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>Shapes[0] is the input, Shapes[i + 1] the output of layer i.</summary>
    public IReadOnlyList<TensorShape> Shapes { get; }

    public TensorShape Output => Shapes[^1];

    private TensorShape[] ComputeShapes()
    {
        var shapes = new TensorShape[Layers.Count + 1];
        shapes[0] = Input;
        for (int i = 0; i < Layers.Count; i++)
        {
            shapes[i + 1] = Layers[i].OutputShape(shapes[i]);
        }

        return shapes;
    }
}
