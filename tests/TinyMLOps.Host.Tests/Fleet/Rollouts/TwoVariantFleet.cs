using TinyMLOps.Fleet.Store;
using TinyMLOps.Modelling.Inspection;
using TinyMLOps.Modelling.Variants;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Tests.Common;

namespace TinyMLOps.Host.Tests.Fleet.Rollouts;

/// <summary>
/// The rollout tests' world: a registry of two tiny models of the same size (fc-a, fc-b) and devices of fleet "lab"
/// on esp32-s3, plugged in, that reported installing fc-a in the plugged role.
/// </summary>
internal static class TwoVariantFleet
{
    public static VariantRegistry Registry(string root, double accuracyA, double accuracyB)
    {
        var reg = VariantRegistry.Open(root);
        foreach (var (id, diagonal, accuracy) in new[] { ("fc-a", (byte)90, accuracyA), ("fc-b", (byte)91, accuracyB) })
        {
            byte[] file = BrightestModel.Build(id, diagonal, ["l", "m", "r"]);
            var summary = ModelSummary.Of(file);
            reg.Add(new VariantArtifact(id, "brightest", 0, summary.ContentHash, "fc", 1, accuracy, 100, summary, "first release", DateTimeOffset.UnixEpoch), file);
        }

        return VariantRegistry.Open(root);
    }

    /// <summary>Each device's hello and its report of installing fc-a: devices s3-0 … s3-(count-1).</summary>
    public static IReadOnlyList<IngestRecord> LabDevices(int count)
    {
        var records = new List<IngestRecord>();
        for (int i = 0; i < count; i++)
        {
            var hello = new HelloPayload { Board = "esp32-s3", FreeHeapBytes = 300_000, FreeFlashBytes = 1_000_000, PowerSource = 2 };
            var installed = new VariantSwitchPayload
            {
                Reason = VariantSwitchPayload.ReasonInstalled, FromRole = 1, ToRole = 1, AssignedRole = 1, TransferId = 7, PowerSource = 2, PluggedVariantId = "fc-a",
            };
            records.Add(new IngestRecord("lab", $"s3-{i}", 1, MessageKind.Hello, 0, DateTimeOffset.UtcNow, hello.Encode()) { Hello = hello });
            records.Add(new IngestRecord("lab", $"s3-{i}", 2, MessageKind.VariantSwitch, 0, DateTimeOffset.UtcNow, installed.Encode()));
        }

        return records;
    }
}
