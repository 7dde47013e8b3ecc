using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Shared.Tests.Provisioning;

/// <summary>The provisioned configuration's consent key: category:setting pairs, a documented default, every problem listed.</summary>
public sealed class ConsentConfigTests
{
    private const string KeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    private static string MinimalBody(string extra = "") =>
        "tinymlops-config=1\ndevice.id=dev-1\nfleet=f1\nboard=esp32-devkitc\nwifi.ssid=net\nmqtt.host=10.0.0.2\nkey.artifact=" + KeyHex + "\n" + extra;

    [Fact]
    public void A_config_with_consent_round_trips_and_maps_to_settings()
    {
        var config = ConfigFileTests.Full();
        config.Consent = "drift:off,learning:wifi,telemetry:ask";
        var result = ConfigFile.Parse(ConfigFile.Encode(config));

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal("drift:off,learning:wifi,telemetry:ask", result.Config.Consent);
        Assert.Equal([UploadConsent.Off, UploadConsent.Wifi, UploadConsent.Ask], ConfigFile.ConsentOf(result.Config));
    }

    [Fact]
    public void A_config_without_the_key_gets_the_documented_default()
    {
        var result = ConfigFile.Parse(ConfigFileTests.Seal(MinimalBody()));

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal(UploadConsent.DefaultText, result.Config.Consent);
        Assert.Equal("drift:on,learning:charging,telemetry:on", UploadConsent.DefaultText);
        Assert.Equal([UploadConsent.On, UploadConsent.Charging, UploadConsent.On], ConfigFile.ConsentOf(result.Config));
    }

    [Fact]
    public void Categories_not_named_keep_their_default()
    {
        var result = ConfigFile.Parse(ConfigFileTests.Seal(MinimalBody("consent=learning:off\n")));

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal([UploadConsent.On, UploadConsent.Off, UploadConsent.On], ConfigFile.ConsentOf(result.Config));
        Assert.Equal("drift:on,learning:off,telemetry:on", UploadConsent.Format(ConfigFile.ConsentOf(result.Config)));
    }

    [Fact]
    public void Parse_lists_every_bad_consent_value_and_never_throws()
    {
        var result = ConfigFile.Parse(ConfigFileTests.Seal(MinimalBody("consent=drift:sometimes,camera:on,learning,drift:off\nheartbeat.seconds=0\n")));

        Assert.False(result.IsValid);
        Assert.Contains("consent: \"sometimes\" is not off, on, wifi, charging or ask", result.Problems);
        Assert.Contains("consent: \"camera\" is not drift, learning or telemetry", result.Problems);
        Assert.Contains("consent: \"learning\" is not category:setting", result.Problems);
        Assert.Contains("consent: drift is given twice", result.Problems);
        Assert.Contains("heartbeat.seconds 0 is not 1..86400", result.Problems);
    }

    [Fact]
    public void An_empty_consent_is_a_problem_and_validate_refuses_to_encode_a_bad_one()
    {
        var result = ConfigFile.Parse(ConfigFileTests.Seal(MinimalBody("consent=\n")));
        Assert.Contains(result.Problems, p => p.StartsWith("consent is empty", StringComparison.Ordinal));

        var config = ConfigFileTests.Full();
        config.Consent = "drift:maybe";
        Assert.Single(ConfigFile.Validate(config));
        Assert.Throws<ArgumentException>(() => ConfigFile.Encode(config));
    }

    [Fact]
    public void Mutating_the_consent_line_breaks_the_checksum_or_is_reported_never_thrown()
    {
        var config = ConfigFileTests.Full();
        config.Consent = "drift:on,learning:charging,telemetry:wifi";
        byte[] file = ConfigFile.Encode(config);
        int at = IndexOf(file, "consent="u8.ToArray());
        var rng = new Random(9);
        for (int n = 0; n < 2000; n++)
        {
            byte[] bad = [.. file];
            int p = at + rng.Next(8, 8 + config.Consent.Length);
            bad[p] = (byte)rng.Next(32, 127);
            var result = ConfigFile.Parse(ConfigFileTests.Seal(bad[..IndexOf(bad, "crc32="u8.ToArray())]));
            // A valid file holds a consent that parses; anything else is reported as a consent problem.
            if (result.IsValid)
            {
                Assert.NotNull(UploadConsent.Parse(result.Config.Consent, "consent", new System.Collections.ArrayList()));
            }
            else
            {
                Assert.All(result.Problems, problem => Assert.StartsWith("consent", problem, StringComparison.Ordinal));
            }
        }
    }

    private static int IndexOf(byte[] data, byte[] what)
    {
        for (int i = 0; i + what.Length <= data.Length; i++)
        {
            if (data.AsSpan(i, what.Length).SequenceEqual(what))
            {
                return i;
            }
        }

        throw new InvalidOperationException("not found");
    }
}
