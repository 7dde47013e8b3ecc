using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static HelloPayload ConsentHello(int drift, int learning, int telemetry, int granted = 0) =>
        new() { Board = "esp32-devkitc", ConsentSettings = [drift, learning, telemetry], ConsentGranted = granted };

    [StoreFact]
    public async Task Consent_from_hellos_is_recorded_with_a_history_of_changes_and_older_or_repeated_hellos_change_nothing()
    {
        await Store.IngestAsync([Hello("d1", 1, ConsentHello(UploadConsent.On, UploadConsent.Charging, UploadConsent.On))]);
        await Store.IngestAsync([Hello("d1", 5, ConsentHello(UploadConsent.Off, UploadConsent.Charging, UploadConsent.Ask), at: T0.AddMinutes(5))]);

        // Older (arrives late), repeated (a resend), and a hello of older firmware without the section.
        await Store.IngestAsync([Hello("d1", 3, ConsentHello(UploadConsent.On, UploadConsent.On, UploadConsent.On))]);
        await Store.IngestAsync([Hello("d1", 5, ConsentHello(UploadConsent.Off, UploadConsent.Charging, UploadConsent.Ask), at: T0.AddMinutes(5))]);
        await Store.IngestAsync([Hello("d1", 6, new HelloPayload { Board = "esp32-devkitc" })]);

        // Two changes in one batch: the user grants telemetry, then takes it back.
        await Store.IngestAsync(
        [
            Hello("d1", 8, ConsentHello(UploadConsent.Off, UploadConsent.Charging, UploadConsent.Ask, granted: 1 << UploadConsent.Telemetry), at: T0.AddMinutes(8)),
            Hello("d1", 9, ConsentHello(UploadConsent.Off, UploadConsent.Charging, UploadConsent.Ask), at: T0.AddMinutes(9)),
        ]);

        var now = await Store.ConsentAsync("d1");
        Assert.Equal(["drift off", "learning charging", "telemetry ask (not granted)"], now.Select(c => $"{c.Category} {c.Shown}"));
        Assert.All(now, c => Assert.Equal(9, c.HelloSequence));
        Assert.Equal([true, false, true], now.Select(c => c.Denied));

        var history = await Store.ConsentChangesAsync("d1");
        Assert.Equal(
            [
                "1 drift -> on", "1 learning -> charging", "1 telemetry -> on",
                "5 drift on -> off", "5 telemetry on -> ask",
                "8 telemetry ask -> ask+", "9 telemetry ask+ -> ask",
            ],
            history.Select(c => $"{c.HelloSequence} {c.Category} {(c.OldSetting == null ? "" : c.OldSetting + (c.OldGranted == true ? "+" : "") + " ")}-> {c.NewSetting}{(c.NewGranted ? "+" : "")}"));
        Assert.Equal(T0.AddMinutes(5), history[3].At);
        Assert.Empty(await Store.ConsentAsync("d2"));
    }

    [StoreFact]
    public async Task Fleet_consent_lists_every_device_or_one_fleet()
    {
        await Store.IngestAsync([Hello("d1", 1, ConsentHello(UploadConsent.On, UploadConsent.On, UploadConsent.On))]);
        await Store.IngestAsync([Hello("d2", 1, ConsentHello(UploadConsent.Off, UploadConsent.Wifi, UploadConsent.On)) with { Fleet = "fleet-b" }]);

        Assert.Equal(6, (await Store.FleetConsentAsync()).Count);
        var b = await Store.FleetConsentAsync("fleet-b");
        Assert.Equal(["d2 drift off", "d2 learning wifi", "d2 telemetry on"], b.Select(c => $"{c.DeviceId} {c.Category} {c.Setting}"));
        Assert.Empty(await Store.FleetConsentAsync("fleet-c"));
    }
}
