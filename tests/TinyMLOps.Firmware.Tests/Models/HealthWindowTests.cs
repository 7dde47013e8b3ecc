using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Models;

/// <summary>Model-health windows: one variant per window, cut by time or by a change of variant, bounded when nobody takes them.</summary>
public class HealthWindowTests
{
    [Fact]
    public void A_window_ends_after_its_length_with_counts_mean_and_low_confidence()
    {
        var w = new HealthWindow(60_000);
        for (int i = 0; i < 10; i++)
        {
            w.Record("v1", ModelRole.Plugged, i < 4 ? 10_000 : 60_000, i * 1000);
        }

        w.RecordError("v1", ModelRole.Plugged, 10_000);
        Assert.Null(w.Take(59_999));
        var h = w.Take(60_000)!;
        Assert.Equal(("v1", 1, 10u, 1u, 4u), (h.VariantId, h.Role, h.Inferences, h.Errors, h.LowConfidenceCount));
        Assert.Equal((4 * 10_000 + 6 * 60_000) / 10, h.MeanConfidence);
        Assert.Equal(60u, h.WindowSeconds);
        Assert.Equal(h.Encode(), ModelHealthPayload.Decode(h.Encode()).Encode());
        Assert.Null(w.Take(200_000)); // nothing happened since
    }

    [Fact]
    public void Another_variant_starting_to_serve_cuts_the_window_so_each_report_is_about_one_variant()
    {
        var w = new HealthWindow(3_600_000);
        w.Record("old", ModelRole.Plugged, 50_000, 0);
        w.Record("old", ModelRole.Plugged, 50_000, 1000);
        w.Record("new", ModelRole.Plugged, 20_000, 2000);
        var first = w.Take(2500)!;
        Assert.Equal(("old", 2u), (first.VariantId, first.Inferences));
        Assert.Null(w.Take(2500));
        w.Record("new", ModelRole.Battery, 20_000, 3000); // the role changed too
        Assert.Equal(("new", 1u, 1), (w.Take(3000)!.VariantId, 1u, 1));
    }

    [Fact]
    public void Windows_nobody_takes_are_bounded_and_the_oldest_are_dropped()
    {
        var w = new HealthWindow(1000);
        for (int i = 0; i < HealthWindow.MaxFinished + 3; i++)
        {
            w.Record("v" + i, ModelRole.Plugged, 1000, i);
        }

        w.Record("last", ModelRole.Plugged, 1000, 100);
        Assert.Equal(3, w.Dropped);
        Assert.Equal("v3", w.Take(100)!.VariantId);
    }
}
