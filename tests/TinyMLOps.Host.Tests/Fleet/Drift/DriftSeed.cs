using TinyMLOps.Firmware.Core.Drift;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Drift;

/// <summary>Drift windows made by the device's drift monitor over Fashion-MNIST, for tests that fill a store by hand.</summary>
internal static class DriftSeed
{
    public static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_767_300_000);

    /// <summary>
    /// Four hourly windows per device cam-0…cam-(devices-1) of <paramref name="fleet"/> on variant mlp-drift
    /// (<see cref="DriftTestModels.MlpWithProfile"/>); cam-0's camera gets brighter after the second window. Envelope
    /// sequences start after <paramref name="firstSequence"/>.
    /// </summary>
    public static List<IngestRecord> Windows(int devices, string fleet = "lab", long firstSequence = 0)
    {
        byte[] file = DriftTestModels.MlpWithProfile;
        var model = ModelReader.Read(file);
        var classifier = new Classifier(file);
        var records = new List<IngestRecord>();
        var raw = new byte[784];
        var scratch = new byte[784];
        for (int d = 0; d < devices; d++)
        {
            var monitor = DriftMonitor.ForModel(model, new DriftOptions(), new Random(d))!;
            monitor.TakeWindow(0, "mlp-drift");
            long seq = firstSequence;
            for (int i = 1; i <= 4 * 360; i++)
            {
                TestData.Fashion.Test.Image((d * 1500) + (i % 1500)).CopyTo(raw);
                if (d == 0 && i > 2 * 360)
                {
                    CovariateShift.Apply(new SensorShift { Brightness = 40 }, raw, 28, 28, 1, new Random(i), scratch);
                }

                int predicted = classifier.Classify(raw, 0);
                monitor.ObservePixels(raw, 0, predicted, classifier.TopConfidence());
                if (monitor.TakeWindow(i * 10_000L, "mlp-drift") is { } window)
                {
                    seq++;
                    records.Add(new IngestRecord(fleet, $"cam-{d}", seq, MessageKind.Drift, (uint)seq, At.AddHours(seq - firstSequence), window.Encode()));
                }
            }
        }

        return records;
    }
}
