using TinyMLOps.Modelling.Boards;

namespace TinyMLOps.Modelling.Variants;

/// <summary>What a device reported about itself (hello): board, free memory, kernels, power.</summary>
public sealed record DeviceCapabilities(string DeviceId, string BoardId, long FreeHeapBytes, long FreeFlashBytes, IReadOnlyList<string>? Kernels, int PowerSource, int BatteryPercent)
{
    /// <summary>The kernel backend the device reported in hello ("native", "managed"), or null when it has not said.</summary>
    public string? KernelBackend { get; init; }

    /// <summary>Whether the device runs native kernels: its own report, else null (the board profile decides).</summary>
    public bool? RunsNativeKernels => KernelBackend == null ? null : string.Equals(KernelBackend, "native", StringComparison.Ordinal);
}

/// <summary>One variant as the selector saw it for a device, with the reason it was or was not eligible.</summary>
public sealed record SelectionLine(VariantArtifact Variant, VariantCost Cost, bool FitsDevice, bool WithinBatteryBudget, string Verdict);

/// <summary>The two variants chosen for a device (null when none qualifies) and the reasoning for every candidate.</summary>
public sealed record Selection(DeviceCapabilities Device, BoardProfile Board, VariantArtifact? Plugged, VariantArtifact? Battery, IReadOnlyList<SelectionLine> Lines, SelectionPolicy Policy);

/// <summary>
/// Picks a device's plugged-in and battery variants from the registry under a <see cref="SelectionPolicy"/>. On a board
/// that is not <see cref="BoardProfile.Deployable"/> no variant is eligible: every line's verdict is the board's reason.
/// </summary>
public static class VariantSelector
{
    public static Selection Select(DeviceCapabilities device, BoardProfile board, IReadOnlyList<VariantArtifact> variants, SelectionPolicy policy)
    {
        var lines = new List<SelectionLine>();
        foreach (var v in variants.OrderByDescending(v => v.Accuracy).ThenBy(v => v.Summary.Macs))
        {
            var cost = CostModel.Estimate(board, v.Summary, NativeFor(device, board, policy));
            string? misfit = board.NotDeployable ?? Misfit(device, v, cost, policy);
            bool fits = misfit == null;
            bool budget = cost.LatencyMs <= policy.BatteryMaxLatencyMs && cost.EnergyMillijoules <= policy.BatteryMaxEnergyMillijoules;
            string verdict = misfit
                ?? (budget ? "fits; within the battery budget" : $"fits; over the battery budget ({cost.LatencyMs:0.#} ms, {cost.EnergyMillijoules:0.##} mJ)");
            lines.Add(new SelectionLine(v, cost, fits, fits && budget, verdict));
        }

        var plugged = lines.FirstOrDefault(l => l.FitsDevice)?.Variant;
        var battery = lines.FirstOrDefault(l => l.WithinBatteryBudget && (!policy.RequireBothInFlash || plugged == null || FitsTogether(device, l.Variant, plugged)))?.Variant;
        return new Selection(device, board, plugged, battery, lines, policy);
    }

    /// <summary>Whether the estimates take native kernels: the policy's override, else the device's report, else the board profile.</summary>
    public static bool NativeFor(DeviceCapabilities device, BoardProfile board, SelectionPolicy policy) =>
        policy.NativeKernels ?? device.RunsNativeKernels ?? board.NativeKernels;

    /// <summary>Why a variant cannot run on the device, or null when it can.</summary>
    private static string? Misfit(DeviceCapabilities device, VariantArtifact v, VariantCost cost, SelectionPolicy policy)
    {
        if (!cost.Fits)
        {
            return cost.Reason ?? "does not fit the board";
        }

        if (device.Kernels is { Count: > 0 } kernels && v.Kernels.FirstOrDefault(k => !kernels.Contains(k)) is { } missing)
        {
            return $"the device's firmware lacks the {missing} kernel";
        }

        long ram = cost.RamBytes;
        if (device.FreeHeapBytes > 0 && ram > device.FreeHeapBytes * policy.HeapShare)
        {
            return $"needs {ram:N0} B of RAM, {policy.HeapShare:P0} of the {device.FreeHeapBytes:N0} B free heap is {(long)(device.FreeHeapBytes * policy.HeapShare):N0} B";
        }

        if (device.FreeFlashBytes > 0 && v.Summary.FlashBytes > device.FreeFlashBytes)
        {
            return $"needs {v.Summary.FlashBytes:N0} B of flash, {device.FreeFlashBytes:N0} B free";
        }

        return null;
    }

    private static bool FitsTogether(DeviceCapabilities device, VariantArtifact a, VariantArtifact b) =>
        device.FreeFlashBytes <= 0 || a.ContentHash == b.ContentHash || a.Summary.FlashBytes + b.Summary.FlashBytes <= device.FreeFlashBytes;
}
