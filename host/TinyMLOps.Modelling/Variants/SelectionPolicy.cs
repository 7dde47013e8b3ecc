namespace TinyMLOps.Modelling.Variants;

/// <summary>
/// How the host picks a device's two variants. Plugged in: the most accurate variant that fits. On battery:
/// the most accurate variant that fits and stays within the latency and energy budget per inference.
/// </summary>
public sealed record SelectionPolicy
{
    /// <summary>Latency budget per inference on battery (interpreted nanoFramework kernels are slow: a second buys a small MLP on most boards).</summary>
    public double BatteryMaxLatencyMs { get; init; } = 1000;

    /// <summary>Energy budget per inference on battery.</summary>
    public double BatteryMaxEnergyMillijoules { get; init; } = 250;

    /// <summary>Share of the free heap a model's arena may take (the rest stays for the application and the sync layer).</summary>
    public double HeapShare { get; init; } = 0.75;

    /// <summary>Both variants are stored on the device: they must fit the free flash together.</summary>
    public bool RequireBothInFlash { get; init; } = true;

    /// <summary>
    /// Estimate with interpreted kernels (false), native ones (true), or what the device reported in its hello and else
    /// what its board's firmware carries (null, the default).
    /// </summary>
    public bool? NativeKernels { get; init; }
}
