using OnnxDataType = TinyMLOps.Modelling.Onnx.Proto.TensorProto.Types.DataType;

namespace TinyMLOps.Modelling.Onnx.Proto;

/// <summary>Our additions to the generated ValueInfoProto: a tensor value info in one call.</summary>
public sealed partial class ValueInfoProto
{
    /// <summary>A tensor value info; a dim given as a string is symbolic (dim_param), a long is fixed.</summary>
    public static ValueInfoProto Tensor(string name, OnnxDataType elemType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
        {
            shape.Dim.Add(d switch
            {
                string p => new TensorShapeProto.Types.Dimension { DimParam = p },
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                _ => throw new ArgumentException("a dim is a string (symbolic) or an integer"),
            });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elemType, Shape = shape } } };
    }
}
