using TinyMLOps.Firmware.Core;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.Tests.Models;

public class VariantStoreTests
{
    private static readonly SignedModel Full = TestModels.Signed("mlp-128", 1);
    private static readonly SignedModel Small = TestModels.Signed("mlp-16", 2);
    private static readonly SignedModel Small2 = TestModels.Signed("mlp-16b", 3);

    private static VariantStore Provisioned(MemoryStorage storage)
    {
        var store = new VariantStore(storage, TestModels.DeviceKey);
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(store.Slots(ModelRole.Plugged), Full));
        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(store.Slots(ModelRole.Battery), Small));
        return store;
    }

    [Fact]
    public void Each_role_keeps_its_own_slots_and_record()
    {
        var storage = new MemoryStorage();
        Provisioned(storage);

        var reopened = new VariantStore(storage, TestModels.DeviceKey);

        Assert.Equal("mlp-128", reopened.Slots(ModelRole.Plugged).ActiveVariantId);
        Assert.Equal("mlp-16", reopened.Slots(ModelRole.Battery).ActiveVariantId);
        Assert.Contains("plugged-slot-a.tmlm", storage.Names);
        Assert.Contains("battery-slot-a.tmlm", storage.Names);
        Assert.Contains("plugged-slots.rec", storage.Names);
        Assert.Contains("battery-slots.rec", storage.Names);
    }

    [Fact]
    public void Updating_one_role_never_touches_the_other_roles_files()
    {
        var storage = new MemoryStorage();
        var store = Provisioned(storage);
        int before = storage.Journal.Count;

        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(store.Slots(ModelRole.Battery), Small2));
        Assert.Equal(ModelResult.Ok, store.Slots(ModelRole.Battery).Rollback());

        Assert.DoesNotContain(storage.Journal.Skip(before), op => op.Name.Contains(VariantStore.PluggedPrefix, StringComparison.Ordinal));
        Assert.Equal("mlp-128", store.Slots(ModelRole.Plugged).ActiveVariantId);
    }

    [Fact]
    public void A_role_without_a_model_borrows_the_other_roles_model()
    {
        var storage = new MemoryStorage();
        var store = new VariantStore(storage, TestModels.DeviceKey);
        Assert.Equal(ModelRole.None, store.Resolve(ModelRole.Battery));
        Assert.Null(store.ReadModel(ModelRole.Battery));

        Assert.Equal(ModelResult.Ok, ModelSlotsTests.StageAndActivate(store.Slots(ModelRole.Plugged), Full));

        Assert.Equal(ModelRole.Plugged, store.Resolve(ModelRole.Battery));
        Assert.Equal(Full.Bytes, store.ReadModel(ModelRole.Battery));
    }

    [Fact]
    public void Switching_variants_on_a_power_change_needs_no_connectivity()
    {
        // Storage, power input and clock only: no transport, no host.
        var storage = new MemoryStorage();
        Provisioned(storage);
        var power = new FakePower { Source = PowerSource.External, BatteryPercent = 90 };
        var clock = new FakeClock();
        var store = new VariantStore(storage, TestModels.DeviceKey);
        var powerSwitch = new PowerVariantSwitch(power, clock, 30_000, 15, ModelRole.Plugged);
        var classifier = new Classifier(store.ReadModel(powerSwitch.Update())!);
        Assert.Equal("mlp-128", classifier.VariantId);

        power.Source = PowerSource.Battery;
        clock.Advance(1_000);
        var role = powerSwitch.Update();
        classifier = new Classifier(store.ReadModel(role)!);

        Assert.Equal(ModelRole.Battery, role);
        Assert.Equal("mlp-16", classifier.VariantId);
        Assert.Equal(2, classifier.Classify([1, 2, 250], 0));
        Assert.Equal(ModelRole.Battery, powerSwitch.TakePendingSwitchReport()!.ToRole);
    }

    [Fact]
    public void An_unknown_role_is_refused()
    {
        var store = new VariantStore(new MemoryStorage(), TestModels.DeviceKey);

        Assert.Throws<ArgumentOutOfRangeException>(() => store.Slots((ModelRole)5));
    }
}
