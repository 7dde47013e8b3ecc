namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>A simulated sensor that knows the true class of what it read last (the user's feedback in a simulation).</summary>
public interface ILabelledSensor
{
    /// <summary>The class of the last sample read, or -1 when none is known.</summary>
    int LastLabel { get; }
}
