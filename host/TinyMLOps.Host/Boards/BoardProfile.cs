namespace TinyMLOps.Host.Boards;

/// <summary>GPIO assignments of a board; -1 where the board has none.</summary>
public sealed record BoardPins(int StatusLed, int PowerDetect, int BatteryAdc);

/// <summary>
/// The facts about one board in one place (boards/{id}.json): what nanoff flashes, what the application gets
/// of flash and RAM, how fast it computes and what it draws. Coefficients name their source or say they are estimates.
/// </summary>
public sealed record BoardProfile(
    string Id,
    string Name,
    string NanoffTarget,
    string Platform,
    int ClockMhz,
    bool HasFpu,
    long AppFlashBytes,
    long AppRamBytes,
    IReadOnlyList<string> Kernels,
    BoardPins Pins,
    double CyclesPerMacInterpreted,
    double CyclesPerMacNative,
    double CyclesPerOperatorOverhead,
    double ActivePowerMilliwatts,
    string CoefficientSource,
    bool CoefficientsAreEstimates)
{
    /// <summary>How the flash, RAM and pin figures were derived (sources, estimates, conventions); free text.</summary>
    public string Notes { get; init; } = string.Empty;
}

/// <summary>What a variant costs on a board, and whether it fits at all (and why not).</summary>
public sealed record VariantCost(
    string BoardId,
    bool Fits,
    string? Reason,
    long Macs,
    long FlashBytes,
    long RamBytes,
    double LatencyMs,
    double EnergyMillijoules);
