using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The hello's optional consent section: the setting per category and the user's grants.</summary>
public sealed class HelloConsentTests
{
    private static HelloPayload Sample(int[]? settings, int granted = 0) => new()
    {
        Board = "esp32-devkitc",
        FirmwareVersion = "0.4.0",
        ModelId = "fashion-mlp",
        ModelVersion = 3,
        PowerSource = 1,
        BatteryPercent = 64,
        BootCount = 9,
        OutboxCapacityBytes = 65536,
        ConsentSettings = settings,
        ConsentGranted = granted,
    };

    private static int BaseLength => Sample(null).Encode().Length;

    private static void Rejects(byte[] payload, string named)
    {
        var e = Assert.Throws<ProtocolException>(() => HelloPayload.Decode(payload));
        Assert.Equal(RejectReason.BadPayload, e.Reason);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hello_with_consent_round_trips_every_setting_and_grant()
    {
        var sent = Sample([UploadConsent.Off, UploadConsent.Ask, UploadConsent.Wifi], 0b010);
        var got = HelloPayload.Decode(sent.Encode());

        Assert.Equal([UploadConsent.Off, UploadConsent.Ask, UploadConsent.Wifi], got.ConsentSettings);
        Assert.Equal(0b010, got.ConsentGranted);
        Assert.True(got.Granted(UploadConsent.Learning));
        Assert.False(got.Granted(UploadConsent.Drift));
        Assert.Equal(UploadConsent.Wifi, got.ConsentOf(UploadConsent.Telemetry));
        Assert.Equal(BaseLength + 1 + 3 + 1, sent.Encode().Length);
        Assert.Equal(sent.Encode(), got.Encode());
        Assert.Equal("esp32-devkitc", got.Board);
        Assert.Equal(9u, got.BootCount);
    }

    [Fact]
    public void A_hello_without_the_section_decodes_as_before_with_no_consent()
    {
        byte[] old = Sample(null).Encode();
        var got = HelloPayload.Decode(old);

        Assert.Null(got.ConsentSettings);
        Assert.Equal(-1, got.ConsentOf(UploadConsent.Drift));
        Assert.False(got.Granted(UploadConsent.Drift));
        Assert.Equal(old, got.Encode());
    }

    [Fact]
    public void A_later_firmware_with_more_categories_round_trips_and_reports_only_what_it_names()
    {
        var sent = Sample([1, 1, 1, 0, 4], 0b10000);
        var got = HelloPayload.Decode(sent.Encode());

        Assert.Equal(5, got.ConsentSettings!.Length);
        Assert.True(got.Granted(4));
        Assert.Equal(-1, Sample([UploadConsent.On]).ConsentOf(UploadConsent.Learning));
    }

    [Fact]
    public void Every_truncation_of_the_section_is_rejected_except_the_cut_before_it()
    {
        byte[] bytes = Sample([UploadConsent.On, UploadConsent.Charging, UploadConsent.Ask], 0b100).Encode();
        for (int length = BaseLength; length < bytes.Length; length++)
        {
            if (length == BaseLength)
            {
                Assert.Null(HelloPayload.Decode(bytes[..length]).ConsentSettings);
                continue;
            }

            Rejects(bytes[..length], "truncated");
        }

        for (int length = 0; length < BaseLength; length++)
        {
            Assert.Throws<ProtocolException>(() => HelloPayload.Decode(bytes[..length]));
        }

        // A byte after the consent section starts the installed section (HelloInstalledTests): 0 roles is refused.
        Rejects([.. bytes, 0], "installed roles 0 is not 1..2");
    }

    [Fact]
    public void A_count_of_0_or_over_8_an_unknown_setting_and_grants_beyond_the_count_are_rejected()
    {
        byte[] good = Sample([UploadConsent.On, UploadConsent.On, UploadConsent.On]).Encode();
        int b = BaseLength;

        byte[] bad = [.. good];
        bad[b] = 0;
        Rejects(bad, "consent count 0");

        bad = [.. good[..b], 9, .. Enumerable.Repeat((byte)1, 9), 0];
        Rejects(bad, "consent count 9");

        bad = [.. good];
        bad[b + 2] = UploadConsent.SettingCount;
        Rejects(bad, "consent setting 5 of category 1");

        bad = [.. good];
        bad[b + 4] = 0b1000;
        Rejects(bad, "consent granted bits 8");
    }

    [Fact]
    public void Random_mutations_decode_to_the_same_bytes_or_throw_ProtocolException()
    {
        var rng = new Random(20261125);
        var corpus = Enumerable.Range(0, 30).Select(i =>
        {
            int n = 1 + rng.Next(UploadConsent.MaxCategories);
            return Sample([.. Enumerable.Range(0, n).Select(_ => rng.Next(UploadConsent.SettingCount))], rng.Next(1 << n)).Encode();
        }).ToList();
        int decoded = 0, rejected = 0;
        for (int n = 0; n < 20_000; n++)
        {
            byte[] input = [.. corpus[rng.Next(corpus.Count)]];
            int p = BaseLength - 1 + rng.Next(input.Length - BaseLength + 2);
            switch (rng.Next(3))
            {
                case 0:
                    input[Math.Min(p, input.Length - 1)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    input = input[..Math.Min(p, input.Length - 1)];
                    break;
                default:
                    input = [.. input, (byte)rng.Next(256)];
                    break;
            }

            HelloPayload got;
            try
            {
                got = HelloPayload.Decode(input);
            }
            catch (ProtocolException e)
            {
                Assert.Equal(RejectReason.BadPayload, e.Reason);
                rejected++;
                continue;
            }

            decoded++;
            Assert.Equal(input, got.Encode());
        }

        Assert.True(decoded > 1000 && rejected > 1000, $"decoded {decoded}, rejected {rejected}");
    }
}
