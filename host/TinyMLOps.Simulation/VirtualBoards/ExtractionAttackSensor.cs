using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// The queries of a model-extraction attack, for a virtual attacker board: an attacker with a handful of seed inputs
/// probes the decision boundaries around each of them with small signed steps (Jacobian-style augmentation), and
/// fills the rest of its budget with synthetic noise inputs. Without seeds every query is noise.
/// </summary>
public sealed class ExtractionAttackSensor : ISensor
{
    private readonly ImageDataset? _seeds;
    private readonly double _noiseShare;
    private readonly int _stepsPerSeed;
    private readonly int _stepSize;
    private readonly Random _random;
    private byte[] _current = [];
    private int _seed = -1;
    private int _steps;

    /// <param name="seeds">The attacker's few real inputs, or null for noise only.</param>
    /// <param name="noiseShare">Share of queries that are uniform noise.</param>
    /// <param name="stepsPerSeed">Perturbation steps around one seed before the next.</param>
    /// <param name="stepSize">Amplitude of a step per value (0-255 scale).</param>
    public ExtractionAttackSensor(ImageDataset? seeds, double noiseShare, int seed, int stepsPerSeed = 24, int stepSize = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(noiseShare, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(noiseShare, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerSeed, 1);
        _seeds = seeds is { Count: > 0 } ? seeds : null;
        _noiseShare = _seeds == null ? 1.0 : noiseShare;
        _stepsPerSeed = stepsPerSeed;
        _stepSize = stepSize;
        _random = new Random(seed);
    }

    /// <summary>Queries made so far.</summary>
    public long Queries { get; private set; }

    public bool Read(byte[] sample)
    {
        Queries++;
        if (_random.NextDouble() < _noiseShare)
        {
            _random.NextBytes(sample);
            return true;
        }

        if (_current.Length != sample.Length || _steps >= _stepsPerSeed)
        {
            _seed = (_seed + 1) % _seeds!.Count;
            _current = _seeds.Image(_seed).ToArray();
            Array.Resize(ref _current, sample.Length);
            _steps = 0;
        }

        // One signed step on every value, then the query.
        for (int i = 0; i < _current.Length; i++)
        {
            int v = _current[i] + (_random.Next(2) == 0 ? -_stepSize : _stepSize);
            _current[i] = (byte)Math.Clamp(v, 0, 255);
        }

        _steps++;
        _current.CopyTo(sample, 0);
        return true;
    }
}
