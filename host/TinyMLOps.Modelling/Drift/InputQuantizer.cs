using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;

namespace TinyMLOps.Modelling.Drift;

/// <summary>
/// A model's input quantization of raw 8-bit values (v / 255), the same table the interpreter builds. The drift
/// histograms need the quantized input, and the interpreter's input tensor is overwritten by later layers once the
/// model has run, so it is quantized here alongside.
/// </summary>
public sealed class InputQuantizer
{
    private readonly sbyte[] _table = new sbyte[256];

    public InputQuantizer(Int8Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        QuantMath.FillPixelTable(_table, model.InputScale, model.InputZeroPoint);
    }

    public void Quantize(byte[] raw, int offset, sbyte[] destination, int length)
    {
        for (int i = 0; i < length; i++)
        {
            destination[i] = _table[raw[offset + i]];
        }
    }
}
