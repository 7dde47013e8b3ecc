using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Modelling.Tasks.Fashion;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Simulation.Tasks;

/// <summary>The clothing images' fleet: cameras that each see their slice of the held-out images; drift is a camera whose exposure and contrast change.</summary>
public sealed class FashionScenario : FleetScenario
{
    public override TaskDefinition Task => FashionTask.Instance;

    public override string DriftStory => "the cameras' exposure changes: brightness +60, contrast x0.6";

    public override SensorShift? DriftShift(TimeSpan at) => new() { At = at, Brightness = 60, Contrast = 0.6 };
}
