using System.Globalization;

namespace TinyMLOps.Modelling.Onnx.Proto;

/// <summary>Our addition to the generated TensorShapeProto: a dimension as people read it.</summary>
public sealed partial class TensorShapeProto
{
    public static partial class Types
    {
        public sealed partial class Dimension
        {
            /// <summary>The fixed value, the symbolic name, or "?" when neither is set.</summary>
            public string Text => HasDimValue ? DimValue.ToString(CultureInfo.InvariantCulture) : HasDimParam ? DimParam : "?";
        }
    }
}
