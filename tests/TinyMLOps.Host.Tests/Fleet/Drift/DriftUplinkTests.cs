using TinyMLOps.Fleet.Sync;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Drift;

/// <summary>Drift windows (kind 10) are validated at ingest like the other structured uplinks.</summary>
public sealed class DriftUplinkTests
{
    private static byte[] Window(int flags = 0)
    {
        var p = new DriftPayload { VariantId = "mlp-drift", WindowSeconds = 3600, SampleCount = 360, Epsilon = 8, InputBins = 16, Groups = 16, Flags = flags };
        p.InputCounts = new uint[256];
        p.ClassCounts = new uint[10];
        p.ConfidenceCounts = new uint[10];
        p.InputCounts[3] = 900;
        return p.Encode();
    }

    private static UplinkResult Decode(byte[] payload) =>
        UplinkDecoder.Decode(Topics.Up("lab", "cam-1", MessageKind.Drift), WireCodec.Encode(new Message(MessageKind.Drift, "cam-1", 1, 1, payload)), DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_well_formed_drift_window_is_accepted_and_a_truncated_one_is_rejected()
    {
        byte[] good = Window();
        Assert.NotNull(Decode(good).Record);

        var bad = Decode(good[..^3]);
        Assert.Null(bad.Record);
        Assert.NotNull(bad.Error);
        Assert.Equal("cam-1", bad.TopicDeviceId);
    }

    [Fact]
    public void A_drift_window_with_unknown_flags_is_rejected()
    {
        byte[] window = Window();

        // The flags byte is the one an alarm window differs in.
        byte[] alarm = Window(DriftPayload.FlagAlarm);
        int at = Enumerable.Range(0, window.Length).Single(i => window[i] != alarm[i]);
        Assert.NotNull(Decode(alarm).Record);
        window[at] = 0x80;
        Assert.Null(Decode(window).Record);
    }
}
