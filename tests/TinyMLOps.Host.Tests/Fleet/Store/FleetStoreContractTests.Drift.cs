using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static DriftWindowRecord Window(string device, long seq, string board = "esp32", string variant = "cnn-w1", double psi = 0.05, bool drifted = false) =>
        new(device, seq, "lab", board, "0.3.0", variant, seq * 3600, 3600, 360, 1.5, 0, true, psi, 3, 0.01, 0.02, 0.81, drifted, T0.AddHours(seq), [1, 2, (byte)seq]);

    [StoreFact]
    public async Task Drift_windows_are_stored_once_and_read_back_by_device_and_cohort()
    {
        Assert.Equal(3, await Store.AddDriftWindowsAsync([Window("d1", 1), Window("d1", 2, psi: 0.4, drifted: true), Window("d2", 1, board: "nrf52")]));
        Assert.Equal(1, await Store.AddDriftWindowsAsync([Window("d1", 2, psi: 9), Window("d3", 5, variant: "mlp-w1")]));

        var d1 = await Store.DriftWindowsAsync(new DriftWindowQuery { DeviceId = "d1" });
        Assert.Equal([1L, 2L], d1.Select(w => w.Sequence));
        var second = d1[1];
        Assert.Equal((0.4, true, 3, 360L, 1.5, 0.81, T0.AddHours(2)), (second.InputPsi, second.Drifted, second.Feature, second.SampleCount, second.Epsilon, second.MeanConfidence, second.ReceivedAt));
        Assert.Equal(new byte[] { 1, 2, 2 }, second.Payload);

        Assert.Equal(["d2"], (await Store.DriftWindowsAsync(new DriftWindowQuery { Board = "nrf52" })).Select(w => w.DeviceId));
        Assert.Equal(["d3"], (await Store.DriftWindowsAsync(new DriftWindowQuery { Fleet = "lab", VariantId = "mlp-w1" })).Select(w => w.DeviceId));
        Assert.Equal(4, (await Store.DriftWindowsAsync(new DriftWindowQuery())).Count);
        Assert.Equal([("d1", 2L), ("d3", 5L)], (await Store.DriftWindowsAsync(new DriftWindowQuery { Since = T0.AddHours(2) })).Select(w => (w.DeviceId, w.Sequence)));
    }

    [StoreFact]
    public async Task Drift_messages_without_a_window_are_listed_for_catch_up()
    {
        await Store.IngestAsync([Message("d1", 1, 10), Message("d1", 2, 10), Message("d1", 3, 2), Message("d2", 1, 10)]);
        await Store.AddDriftWindowsAsync([Window("d1", 1)]);

        var unscored = await Store.UnscoredDriftMessagesAsync(10);
        Assert.Equal([("d1", 2L), ("d2", 1L)], unscored.Select(m => (m.DeviceId, m.Sequence)));
        Assert.Single(await Store.UnscoredDriftMessagesAsync(1));
    }
}
