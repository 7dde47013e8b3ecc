using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Drift;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Metering;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>Devices: the list with its filters, one device, and its telemetry, consent, meters, drift and history.</summary>
public static class DeviceEndpoints
{
    public static void Map(RouteGroupBuilder devices)
    {
        devices.MapGet("/", ListAsync)
            .WithSummary("Devices filtered by fleet, board, variant (model id) and online state, in the order `fleet ls --sort` takes (id, last-seen, board, dropped, outbox)")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        devices.MapGet("/{deviceId}", GetAsync)
            .WithSummary("One device as `device show` gives it, with its meter, drift and rollout summaries")
            .Produces<DeviceOverviewJson>().ProducesProblem(StatusCodes.Status404NotFound);
        devices.MapGet("/{deviceId}/telemetry", TelemetryAsync)
            .WithSummary("The device's measured latency, memory and energy per variant against the cost model")
            .Produces<Page<TelemetryJson>>().ProducesProblem(StatusCodes.Status404NotFound);
        devices.MapGet("/{deviceId}/consent", ConsentAsync)
            .WithSummary("The device's consent to optional uploads, per category")
            .Produces<ConsentJson>().ProducesProblem(StatusCodes.Status404NotFound);
        devices.MapGet("/{deviceId}/meters", MetersAsync)
            .WithSummary("The device's receipt ledger: chain state, models, receipts (paged, newest first) and findings, as `meter audit` shows it")
            .Produces<MeterAuditJson>().ProducesProblem(StatusCodes.Status404NotFound);
        devices.MapGet("/{deviceId}/drift", DriftAsync)
            .WithSummary("The device's newest drift windows with their scores and its open alert, as `drift report --device` gives it")
            .Produces<DriftJson.Device>().ProducesProblem(StatusCodes.Status404NotFound);
        devices.MapGet("/{deviceId}/history", HistoryAsync)
            .WithSummary("The device's commands and their results, rollout assignments and consent changes, newest first")
            .Produces<Page<DeviceEventJson>>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Page<DeviceJson>> ListAsync(
        IFleetStore store, IOptions<SyncOptions> options, string? fleet, string? board, string? variant, bool? online, string? sort, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        TimeSpan window = options.Value.OnlineWindow;
        var query = new DeviceQuery(fleet, board, online == true, sort ?? "id", null, variant);
        IReadOnlyList<DeviceRecord> selected = query.Apply(await store.ListDevicesAsync(fleet, cancellationToken).ConfigureAwait(false), now, window);
        if (online == false)
        {
            selected = [.. selected.Where(d => !d.IsOnline(now, window))];
        }

        return Paging.Of(selected, limit, cursor, d => DeviceJson.Of(d, now, window));
    }

    private static async Task<IResult> GetAsync(string deviceId, IFleetStore store, IOptions<SyncOptions> options, CancellationToken cancellationToken)
    {
        if (await DeviceDetail.LoadAsync(store, deviceId, cancellationToken).ConfigureAwait(false) is not { } detail)
        {
            return Problem.NoDevice(deviceId);
        }

        var ledger = await ReceiptLedger.AuditAsync(store, deviceId, cancellationToken).ConfigureAwait(false);
        var suspect = await store.GetExtractionSuspectAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var meter = new DeviceOverviewJson.MeterSummary(
            ledger.Receipts.Count, ledger.State.Flagged, ledger.State.FlagReason, ledger.Findings.Count, ledger.Findings.Count(f => f.Serious), suspect?.State);
        var analyzer = new DriftAnalyzer(DriftQueries.Profiles(options.Value.VariantRegistryPath));
        DeviceOverviewJson.DriftSummary? drift = await DriftQueries.DeviceAsync(store, analyzer, deviceId, cancellationToken).ConfigureAwait(false) is { } d
            ? new(DriftJson.Key.Of(d.Cohort), d.Profile != null, d.Windows.Count, d.Latest is { } latest ? DriftJson.Score.Of(latest.Score) : null, d.Alert == null ? null : DriftJson.Alert.Of(d.Alert))
            : null;
        var rollouts = (await store.DeviceRolloutsAsync(deviceId, cancellationToken).ConfigureAwait(false))
            .OrderByDescending(r => r.UpdatedAt).Select(DeviceEventJson.Of).ToList();
        return Results.Ok(new DeviceOverviewJson(detail.ToJson(DateTimeOffset.UtcNow, options.Value.OnlineWindow), meter, drift, rollouts));
    }

    private static async Task<IResult> TelemetryAsync(string deviceId, IFleetStore store, IOptions<SyncOptions> options, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) == null)
        {
            return Problem.NoDevice(deviceId);
        }

        var (_, rows) = await TelemetryQueries.RowsAsync(
            store, new VariantTelemetryQuery { DeviceId = deviceId }, TelemetryQueries.Summaries(options.Value.VariantRegistryPath, []), null, cancellationToken).ConfigureAwait(false);
        return Results.Ok(Paging.Of(rows, limit, cursor, TelemetryJson.Of));
    }

    private static async Task<IResult> ConsentAsync(string deviceId, IFleetStore store, CancellationToken cancellationToken) =>
        await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) == null
            ? Problem.NoDevice(deviceId)
            : Results.Ok(ConsentJson.Of(await store.ConsentAsync(deviceId, cancellationToken).ConfigureAwait(false)));

    private static async Task<IResult> MetersAsync(string deviceId, IFleetStore store, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) == null)
        {
            return Problem.NoDevice(deviceId);
        }

        LedgerAudit audit = await ReceiptLedger.AuditAsync(store, deviceId, cancellationToken).ConfigureAwait(false);
        Page<MeterAuditJson.Receipt> receipts = Paging.Of(MeterAuditJson.Newest(audit), limit, cursor, MeterAuditJson.Receipt.Of);
        return Results.Ok(MeterAuditJson.Of(audit, receipts.Items, receipts.Next));
    }

    private static async Task<IResult> DriftAsync(string deviceId, IFleetStore store, IOptions<SyncOptions> options, CancellationToken cancellationToken)
    {
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) is not { } device)
        {
            return Problem.NoDevice(deviceId);
        }

        var analyzer = new DriftAnalyzer(DriftQueries.Profiles(options.Value.VariantRegistryPath));
        return Results.Ok(await DriftQueries.DeviceAsync(store, analyzer, deviceId, cancellationToken).ConfigureAwait(false) is { } drift
            ? DriftJson.Of(drift)
            : new DriftJson.Device(deviceId, DriftJson.Key.Of(new CohortKey(device.Fleet, device.Board, device.ModelId, device.FirmwareVersion)), false, [], null));
    }

    private static async Task<IResult> HistoryAsync(string deviceId, IFleetStore store, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (await store.GetDeviceAsync(deviceId, cancellationToken).ConfigureAwait(false) == null)
        {
            return Problem.NoDevice(deviceId);
        }

        var commands = await store.DeviceCommandsAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var rollouts = await store.DeviceRolloutsAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var consent = await store.ConsentChangesAsync(deviceId, cancellationToken).ConfigureAwait(false);
        var events = commands.Select(DeviceEventJson.Of)
            .Concat(rollouts.Select(DeviceEventJson.Of))
            .Concat(consent.Select(DeviceEventJson.Of))
            .OrderByDescending(e => e.At).ThenBy(e => e.Kind, StringComparer.Ordinal).ThenByDescending(e => e.CommandId ?? e.RolloutId ?? 0)
            .ToList();
        return Results.Ok(Paging.Of(events, limit, cursor, e => e));
    }
}
