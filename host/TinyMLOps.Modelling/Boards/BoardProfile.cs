namespace TinyMLOps.Modelling.Boards;

/// <summary>GPIO assignments of a board; -1 where the board has none.</summary>
public sealed record BoardPins(int StatusLed, int PowerDetect, int BatteryAdc);

/// <summary>How nanoff reaches a board's flash: over its serial port (ESP32's ROM bootloader) or through a JTAG/SWD probe or USB DFU (STM32).</summary>
public enum FlashInterface
{
    Serial,
    Jtag,
    Dfu,
}

/// <summary>
/// What flashing a board needs (boards/{id}.json "flash"): the interface nanoff flashes nanoCLR through, where the
/// application image goes, and the drive the device configuration is written to.
/// </summary>
/// <param name="Interface">serial (ESP32), jtag or dfu (STM32).</param>
/// <param name="DeploymentAddress">
/// Flash address of the deployment region, "0x..." as nanoff's --address takes it; null when nanoff finds the region
/// itself (ESP32: the "deploy" partition of the partition table).
/// </param>
/// <param name="ConfigDrive">Drive of the device's file system that holds tinymlops.cfg (e.g. "I:"); null when the build has no file system.</param>
/// <param name="Source">Where the address and drive come from.</param>
public sealed record BoardFlash(FlashInterface Interface, string? DeploymentAddress, string? ConfigDrive, string Source)
{
    /// <summary>nanoff's name for the interface ("serial", "jtag", "dfu").</summary>
    public string InterfaceName => Interface.ToString().ToLowerInvariant();
}

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

    /// <summary>
    /// The device application for this board's nanoCLR: ESP32 builds carry Wi-Fi and deep sleep, STM32 builds Ethernet only,
    /// and nanoCLR refuses an image whose assemblies lack native parts in its firmware, so each family has its own app.
    /// </summary>
    public string AppProject => string.Equals(Platform, "stm32", StringComparison.OrdinalIgnoreCase) ? "TinyMLOps.Firmware.App.Stm32" : "TinyMLOps.Firmware.App";

    /// <summary>How nanoff flashes the board; the default (serial, no address, drive I:) fits an ESP32.</summary>
    public BoardFlash Flash { get; init; } = new(FlashInterface.Serial, null, "I:", string.Empty);

    /// <summary>
    /// Whether the board's nanoCLR build can load <see cref="AppProject"/> (boards/{id}.json "deployable", default true).
    /// A board that cannot is still in the catalog for its figures, but nothing is provisioned, flashed or selected for it.
    /// </summary>
    public bool Deployable { get; init; } = true;

    /// <summary>
    /// Whether the board's TinyMLOps firmware carries the native kernel library (boards/{id}.json "nativeKernels", default
    /// false: docs/firmware.md says how to build one that does). Estimates use <see cref="CyclesPerMacNative"/> then,
    /// unless the device itself reports other kernels in its hello.
    /// </summary>
    public bool NativeKernels { get; init; }

    /// <summary>Why the application cannot go onto the board ("notDeployableReason"); null when <see cref="Deployable"/>.</summary>
    public string? NotDeployableReason { get; init; }

    /// <summary>"{id} is not deployable: {reason}", the one line that provision, flash and variant selection refuse with; null when deployable.</summary>
    public string? NotDeployable => Deployable ? null : $"{Id} is not deployable: {NotDeployableReason}";
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
