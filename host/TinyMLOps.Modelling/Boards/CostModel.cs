using System.Globalization;
using TinyMLOps.Modelling.Inspection;

namespace TinyMLOps.Modelling.Boards;

/// <summary>
/// A first-order estimate of what one inference of a model costs on a board, and whether the model fits.
/// <list type="bullet">
/// <item>Kernels: every operator's kernel (the first word of <see cref="LayerSummary.Op"/>, e.g. "Conv2D" of
/// "Conv2D 3x3/1") must be in <see cref="BoardProfile.Kernels"/>.</item>
/// <item>Flash: the model file (<see cref="ModelSummary.FlashBytes"/>) must fit in <see cref="BoardProfile.AppFlashBytes"/>.</item>
/// <item>RAM: the device reads the whole model file into a buffer and the kernels read weights from it in
/// place (ModelReader), and the interpreter holds the arena and the kernels' tables
/// (<see cref="ModelSummary.WorkingBytes"/>, which already includes <see cref="ModelSummary.ArenaBytes"/>).
/// So RAM = FlashBytes + WorkingBytes (+ the front-end's tables and buffers), which must fit in <see cref="BoardProfile.AppRamBytes"/>.</item>
/// <item>Latency: cycles = MACs × cycles-per-MAC (interpreted or native) + operators × per-operator overhead;
/// latency = cycles / clock. The per-operator overhead applies in both modes: even with native kernels the
/// loop over operators runs in the interpreter. A front-end adds its interpreted-MAC equivalents
/// (<see cref="FrontEndCost"/>); with native kernels the MFCC and spectral front-ends run their C twins (native-MAC
/// equivalents), the image and normalize front-ends stay interpreted.</item>
/// <item>Energy: active power × latency (mW × s = mJ); idle and radio power are not counted.</item>
/// </list>
/// The figures are only as good as the board's coefficients; see <see cref="BoardProfile.CoefficientSource"/>.
/// </summary>
public static class CostModel
{
    /// <summary>
    /// Estimates <paramref name="model"/> on <paramref name="board"/>, with interpreted or native kernels (null: what the
    /// board's firmware carries, <see cref="BoardProfile.NativeKernels"/>).
    /// </summary>
    public static VariantCost Estimate(BoardProfile board, ModelSummary model, bool? native = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(model);

        var reasons = new List<string>();
        var missing = model.Layers
            .Select(l => KernelOf(l.Op))
            .Distinct(StringComparer.Ordinal)
            .Where(k => !board.Kernels.Contains(k, StringComparer.Ordinal))
            .ToList();
        if (missing.Count > 0)
        {
            reasons.Add($"kernels: {board.Id} lacks {string.Join(", ", missing)}");
        }

        long flash = model.FlashBytes;
        long ram = RamBytes(model);
        if (flash > board.AppFlashBytes)
        {
            reasons.Add($"flash: model needs {Bytes(flash)}, {board.Id} gives {Bytes(board.AppFlashBytes)} ({Bytes(flash - board.AppFlashBytes)} over)");
        }

        if (ram > board.AppRamBytes)
        {
            string frontEnd = model.FrontEndBytes > 0 ? $" + front-end {Bytes(model.FrontEndBytes)}" : string.Empty;
            reasons.Add($"RAM: model needs {Bytes(ram)} (file {Bytes(model.FlashBytes)} + working {Bytes(model.WorkingBytes)}{frontEnd}), {board.Id} gives {Bytes(board.AppRamBytes)} ({Bytes(ram - board.AppRamBytes)} over)");
        }

        bool nativeKernels = native ?? board.NativeKernels;
        double frontEndMs = nativeKernels && model.FrontEndNativeMacs is long frontEndNative
            ? LatencyMs(board, frontEndNative, 0, native: true)
            : LatencyMs(board, model.FrontEndMacs, 0, native: false);
        double latencyMs = LatencyMs(board, model.Macs, model.Layers.Count, nativeKernels) + frontEndMs;
        double energyMj = board.ActivePowerMilliwatts * latencyMs / 1000.0;
        return new VariantCost(
            board.Id,
            reasons.Count == 0,
            reasons.Count == 0 ? null : string.Join("; ", reasons),
            model.Macs,
            flash,
            ram,
            latencyMs,
            energyMj);
    }

    /// <summary>Estimates the model on every board of the catalog.</summary>
    public static IReadOnlyList<VariantCost> EstimateAll(IEnumerable<BoardProfile> boards, ModelSummary model, bool? native = null) =>
        boards.Select(b => Estimate(b, model, native)).ToList();

    /// <summary>(MACs × cycles-per-MAC + operators × overhead) / clock, in milliseconds.</summary>
    public static double LatencyMs(BoardProfile board, long macs, int operators, bool? native = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(macs);
        ArgumentOutOfRangeException.ThrowIfNegative(operators);
        double cyclesPerMac = (native ?? board.NativeKernels) ? board.CyclesPerMacNative : board.CyclesPerMacInterpreted;
        double cycles = (macs * cyclesPerMac) + (operators * board.CyclesPerOperatorOverhead);
        return cycles / (board.ClockMhz * 1_000.0);
    }

    /// <summary>RAM the model takes on the device: its file buffer plus the interpreter's working set.</summary>
    public static long RamBytes(ModelSummary model) => (long)model.FlashBytes + model.WorkingBytes + model.FrontEndBytes;

    /// <summary>The kernel name of a layer's op text: "Conv2D 3x3/1" → "Conv2D".</summary>
    public static string KernelOf(string op)
    {
        int space = op.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? op : op[..space];
    }

    private static string Bytes(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + " B";
}
