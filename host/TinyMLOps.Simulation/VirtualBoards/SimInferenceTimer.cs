using System.Diagnostics;
using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Modelling.Boards;
using TinyMLOps.Modelling.Inspection;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// A virtual board's inference timer: the latency the board's cost model gives for the loaded model
/// (<see cref="CostModel.LatencyMs"/>), with a little jitter (±3 %) and an occasional slow inference (1 in 50 takes 1.5×,
/// as an interrupt or a GC pause would), so the fleet's telemetry shows what the board would measure. For a board the
/// catalog lacks, it times the host's own computation.
/// </summary>
public sealed class SimInferenceTimer(BoardProfile? board, Random random) : IInferenceTimer
{
    private readonly Stopwatch _watch = new();
    private double _latencyMicros;

    /// <summary>The cost model's latency of the loaded model in microseconds; 0 before a model or without a board profile.</summary>
    public double ModelLatencyMicros => _latencyMicros;

    /// <summary>Takes the latency of a newly loaded model file from the cost model.</summary>
    public void UseModel(byte[]? model)
    {
        if (board == null || model == null)
        {
            _latencyMicros = 0;
            return;
        }

        var summary = ModelSummary.Of(model);
        _latencyMicros = CostModel.LatencyMs(board, summary.Macs, summary.Layers.Count) * 1000.0;
    }

    public void Start() => _watch.Restart();

    public long ElapsedMicros()
    {
        if (_latencyMicros <= 0)
        {
            return (long)_watch.Elapsed.TotalMicroseconds;
        }

        double factor = 0.97 + (0.06 * random.NextDouble());
        if (random.Next(50) == 0)
        {
            factor *= 1.5;
        }

        return (long)Math.Round(_latencyMicros * factor);
    }
}
