namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>Fault injection for the virtual fleet (a variant whose inferences fail); a board has none.</summary>
    public interface IInferenceFault
    {
        bool Fails(string variantId);
    }
}
