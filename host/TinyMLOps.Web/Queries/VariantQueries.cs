using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>The registry's variants with their cost on every board, one variant's versions and board fit, and which device runs what.</summary>
public static class VariantQueries
{
    /// <summary>The newest version of each variant, cheapest first.</summary>
    public static IReadOnlyList<VariantJson> List(VariantRegistry registry, IReadOnlyList<BoardProfile> boards, SelectionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return [.. registry.Latest.OrderBy(v => v.Summary.Macs).Select(v => VariantJson.Of(v, boards, policy))];
    }

    /// <summary>Every version of one variant and, per board, whether a nominal device would select its newest version; null when the registry has none.</summary>
    public static VariantDetailJson? Get(VariantRegistry registry, string variantId, IReadOnlyList<BoardProfile> boards, SelectionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(boards);
        var versions = registry.Versions.Where(v => v.VariantId == variantId).OrderBy(v => v.Version).ToList();
        if (versions.Count == 0)
        {
            return null;
        }

        var latest = registry.Latest;
        var fits = new List<VariantDetailJson.BoardFit>();
        foreach (var board in boards)
        {
            var selection = VariantSelector.Select(NominalDevice(board), board, latest, policy);
            var line = selection.Lines.FirstOrDefault(l => l.Variant.VariantId == variantId);
            var cost = line?.Cost ?? CostModel.Estimate(board, versions[^1].Summary, policy.NativeKernels);
            fits.Add(new VariantDetailJson.BoardFit(
                board.Id, line?.FitsDevice ?? cost.Fits, selection.Plugged?.VariantId == variantId, selection.Battery?.VariantId == variantId,
                cost.LatencyMs, cost.EnergyMillijoules, cost.RamBytes, line?.Verdict ?? board.NotDeployable ?? cost.Reason ?? string.Empty));
        }

        return new VariantDetailJson(
            variantId, [.. versions.Select(v => new VariantDetailJson.Version(VariantJson.Of(v, boards, policy), v.ReleaseNotes, v.Summary.Layers.Count))], fits);
    }

    /// <summary>A device of the board with its whole application RAM and flash free, plugged in: what the board can take at best.</summary>
    public static DeviceCapabilities NominalDevice(BoardProfile board)
    {
        ArgumentNullException.ThrowIfNull(board);
        return new("nominal-" + board.Id, board.Id, board.AppRamBytes, board.AppFlashBytes, null, 2, -1);
    }

    /// <summary>Every device (of one fleet) with its variants from its last switch report and its newest rollout.</summary>
    public static async Task<IReadOnlyList<VariantFleetJson>> FleetAsync(IFleetStore store, string? fleet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = new List<VariantFleetJson>();
        foreach (var d in await store.ListDevicesAsync(fleet, cancellationToken).ConfigureAwait(false))
        {
            var reports = await VariantDelivery.SwitchReportsAsync(store, d.DeviceId, 1, cancellationToken).ConfigureAwait(false);
            var last = reports.Count == 0 ? null : reports[^1];
            var rollout = (await store.DeviceRolloutsAsync(d.DeviceId, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            rows.Add(new VariantFleetJson(
                d.DeviceId, d.Fleet, d.Board, d.PowerSource switch { 1 => "battery", 2 => "external", _ => "unknown" },
                Blank(last?.Report.PluggedVariantId), Blank(last?.Report.BatteryVariantId), last == null ? null : VariantAssignment.RoleName(last.Report.ToRole),
                last == null ? null : VariantSwitchPayload.ReasonName(last.Report.Reason), last?.ReceivedAt, rollout?.RolloutId, rollout?.State));
        }

        return rows;
    }

    private static string? Blank(string? id) => string.IsNullOrEmpty(id) ? null : id;
}
