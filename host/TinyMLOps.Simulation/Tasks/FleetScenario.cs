using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Modelling.Data;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Simulation.Tasks;

/// <summary>
/// What the virtual fleet does for a task (docs/tasks.md): what each board's sensor streams, and the task's drift
/// scenario (a brighter camera, a noisy room, a bearing that wears). The demo and the end-to-end tests take one.
/// </summary>
public abstract class FleetScenario
{
    public abstract TaskDefinition Task { get; }

    /// <summary>One line on the drift this scenario injects, for the demo's story.</summary>
    public abstract string DriftStory { get; }

    /// <summary>
    /// Board <paramref name="board"/> of <paramref name="boards"/>'s sensor: by default its own slice of the held-out
    /// data (the data the family never trained on), looped.
    /// </summary>
    public virtual ISensor CreateSensor(TaskSplits splits, int board, int boards, SimClock clock, int seed)
    {
        LabelledSet data = splits.HeldOut;
        int slice = Math.Max(1, data.Count / Math.Max(1, boards));
        int start = (board * slice) % data.Count;
        return new DatasetSensor(data.Slice(start, Math.Min(slice, data.Count - start)));
    }

    /// <summary>The covariate or label shift the drifting boards see from <paramref name="at"/> on (null: the scenario's sensors drift by themselves).</summary>
    public abstract SensorShift? DriftShift(TimeSpan at);
}
