using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Modelling.Tasks;
using TinyMLOps.Simulation.Signals;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Simulation.Tasks;

/// <summary>
/// The machines' fleet: each board's accelerometer streams its own machine live (<see cref="MachineSensor"/>, the
/// task's healthy machines in turn). On the faulty boards (every other one, from the first) an outer-race defect
/// appears at <see cref="FaultStart"/> and grows to <see cref="FullSeverityG"/> over <see cref="Growth"/>; the others stay healthy.
/// </summary>
public sealed class VibrationScenario : FleetScenario
{
    public override TaskDefinition Task => VibrationTask.Instance;

    public override string DriftStory => $"a bearing wears on every other machine: an outer-race defect from {FaultStart.TotalMinutes:0} min, growing to {FullSeverityG} g";

    /// <summary>Simulated time, from the fleet's start, at which the faulty boards' defect appears.</summary>
    public TimeSpan FaultStart { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>Time from the defect's appearance to its full severity.</summary>
    public TimeSpan Growth { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Peak amplitude of the grown defect's impacts, in g.</summary>
    public double FullSeverityG { get; init; } = 1.0;

    /// <summary>The defect first shows at this share of the full severity.</summary>
    public double InitialShare { get; init; } = 0.3;

    /// <summary>Whether board <paramref name="board"/> gets the bearing fault.</summary>
    public static bool IsFaulty(int board) => board % 2 == 0;

    /// <summary>The faulty machines' condition at <paramref name="at"/> from the fleet's start.</summary>
    public MachineCondition Wear(TimeSpan at)
    {
        if (at < FaultStart)
        {
            return MachineCondition.Healthy;
        }

        double grown = Growth <= TimeSpan.Zero ? 1 : Math.Min(1, (at - FaultStart) / Growth);
        return new MachineCondition { OuterRaceDefect = FullSeverityG * (InitialShare + ((1 - InitialShare) * grown)) };
    }

    public override ISensor CreateSensor(TaskSplits splits, int board, int boards, SimClock clock, int seed)
    {
        ArgumentNullException.ThrowIfNull(clock);
        Machine machine = VibrationTask.Machines[board % VibrationTask.Machines.Count];
        var generator = VibrationTask.Generator(machine, (seed * 977) + board);
        long start = clock.Millis;
        Func<TimeSpan, MachineCondition> condition = IsFaulty(board) ? now => Wear(now - TimeSpan.FromMilliseconds(start)) : _ => MachineCondition.Healthy;
        return new MachineSensor(generator, VibrationTask.WindowSamples, clock, condition);
    }

    /// <summary>None: the faulty machines' sensors drift by themselves.</summary>
    public override SensorShift? DriftShift(TimeSpan at) => null;
}
