namespace TinyMLOps.Modelling.Onnx.Proto;

/// <summary>Our additions to the generated NodeProto: how errors name a node, and attribute lookup.</summary>
public sealed partial class NodeProto
{
    /// <summary>"Conv node 'conv1'" or "Conv node #3": how error messages name the node.</summary>
    public string Describe(int index) => Name.Length != 0 ? $"{OpType} node '{Name}'" : $"{OpType} node #{index}";

    /// <summary>The attribute of that name; the last one wins when a file repeats it.</summary>
    public AttributeProto? FindAttribute(string name) => Attribute.LastOrDefault(a => a.Name == name);

    /// <summary>Sets an attribute, dropping any earlier one of the same name.</summary>
    public void SetAttribute(AttributeProto attribute)
    {
        for (int i = Attribute.Count - 1; i >= 0; i--)
        {
            if (Attribute[i].Name == attribute.Name)
            {
                Attribute.RemoveAt(i);
            }
        }

        Attribute.Add(attribute);
    }
}
