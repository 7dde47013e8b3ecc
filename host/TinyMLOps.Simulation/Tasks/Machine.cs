namespace TinyMLOps.Simulation.Tasks;

/// <summary>One healthy machine of the vibration task: its nominal shaft speed, housing resonance and sensor noise.</summary>
public sealed record Machine(double ShaftHz, double ResonanceHz, double NoiseG);
