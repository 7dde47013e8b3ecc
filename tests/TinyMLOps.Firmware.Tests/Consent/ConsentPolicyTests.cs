using TinyMLOps.Firmware.Core.Consent;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Consent;

public class ConsentPolicyTests
{
    // The documented table (docs/firmware.md, "Consent to optional uploads"): setting, then the cases it allows.
    public static IEnumerable<object[]> Table()
    {
        foreach (bool metered in new[] { false, true })
        {
            foreach (bool plugged in new[] { false, true })
            {
                foreach (bool granted in new[] { false, true })
                {
                    yield return [UploadConsent.Off, metered, plugged, granted, false];
                    yield return [UploadConsent.On, metered, plugged, granted, true];
                    yield return [UploadConsent.Wifi, metered, plugged, granted, !metered];
                    yield return [UploadConsent.Charging, metered, plugged, granted, plugged];
                    yield return [UploadConsent.Ask, metered, plugged, granted, granted];
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void The_truth_table_covers_every_setting_link_power_and_grant(int setting, bool metered, bool plugged, bool granted, bool allowed)
    {
        Assert.Equal(allowed, ConsentPolicy.Allows(setting, granted, metered, plugged));

        var storage = new MemoryStorage();
        var policy = new ConsentPolicy(storage, [setting, setting, setting]);
        if (granted)
        {
            policy.Grant(UploadConsent.Learning);
        }

        Assert.Equal(allowed, policy.Allows(UploadConsent.Learning, metered, plugged));
        Assert.Equal(allowed, policy.Why(UploadConsent.Learning, metered, plugged) == null);
        Assert.Equal(setting == UploadConsent.Off || (setting == UploadConsent.Ask && !granted), policy.IsDenied(UploadConsent.Learning));
    }

    [Fact]
    public void Reasons_name_the_category_and_what_it_waits_for()
    {
        var policy = new ConsentPolicy(new MemoryStorage(), [UploadConsent.Off, UploadConsent.Wifi, UploadConsent.Ask]);

        Assert.Equal("consent: drift is off", policy.Why(UploadConsent.Drift, false, true));
        Assert.Equal("consent: learning waits for a link that is not metered", policy.Why(UploadConsent.Learning, true, true));
        Assert.Equal("consent: telemetry is not granted by the user", policy.Why(UploadConsent.Telemetry, false, true));
        Assert.Equal("consent: learning waits for external power", new ConsentPolicy(new MemoryStorage(), [1, UploadConsent.Charging, 1]).Why(UploadConsent.Learning, false, false));
    }

    [Fact]
    public void Grants_persist_in_a_small_file_and_a_bad_setting_is_refused()
    {
        var storage = new MemoryStorage();
        var policy = new ConsentPolicy(storage, [UploadConsent.Ask, UploadConsent.Ask, UploadConsent.Ask]);
        Assert.True(policy.Grant(UploadConsent.Telemetry));
        Assert.False(policy.Grant(UploadConsent.Telemetry));

        var again = new ConsentPolicy(storage, [UploadConsent.Ask, UploadConsent.Ask, UploadConsent.Ask]);
        Assert.Equal(1 << UploadConsent.Telemetry, again.GrantedMask);
        Assert.True(again.Revoke(UploadConsent.Telemetry));
        Assert.Equal(0, new ConsentPolicy(storage, null!).GrantedMask);

        Assert.Throws<ArgumentException>(() => new ConsentPolicy(storage, [UploadConsent.On, 9, UploadConsent.On]));
        Assert.Throws<ArgumentException>(() => policy.Grant(UploadConsent.Count));
    }
}
