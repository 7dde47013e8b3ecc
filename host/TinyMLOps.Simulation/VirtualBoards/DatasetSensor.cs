using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Modelling.Data;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>
/// A virtual board's sensor: the samples of its own partition of a data set, in a loop (a camera's images, a
/// microphone's clips, an accelerometer's windows: whatever the set's raw input is); after <see cref="SkewClasses"/>,
/// seeded random samples drawn from a skewed class mix (a label shift).
/// </summary>
public sealed class DatasetSensor(LabelledSet partition) : ISignalSensor, ILabelledSensor
{
    private int _next;
    private double[]? _cumulative;
    private int[][]? _byClass;
    private Random? _random;

    public LabelledSet Partition => partition;

    public int LastLabel { get; private set; } = -1;

    /// <summary>Index in the partition of the last image read.</summary>
    public int LastIndex { get; private set; } = -1;

    /// <summary>Draws from now on with these relative class frequencies (null restores the loop).</summary>
    public void SkewClasses(IReadOnlyList<double>? weights, Random random)
    {
        if (weights == null)
        {
            _cumulative = null;
            return;
        }

        _byClass = [.. Enumerable.Range(0, partition.ClassCount).Select(c => Enumerable.Range(0, partition.Count).Where(i => partition.Label(i) == c).ToArray())];
        double total = 0;
        _cumulative = new double[partition.ClassCount];
        for (int c = 0; c < _cumulative.Length; c++)
        {
            // A class the partition lacks cannot be drawn.
            total += c < weights.Count && _byClass[c].Length > 0 ? weights[c] : 0;
            _cumulative[c] = total;
        }

        if (total <= 0)
        {
            throw new ArgumentException("the class weights leave nothing to draw", nameof(weights));
        }

        _random = random;
    }

    public bool Read(byte[] sample)
    {
        if (partition.Count == 0 || partition.Raw != RawInput.Pixels)
        {
            return false;
        }

        partition.ReadPixels(Next(), sample);
        return true;
    }

    public bool ReadSamples(short[] samples)
    {
        if (partition.Count == 0 || partition.Raw != RawInput.Samples || samples.Length != partition.RawLength)
        {
            return false;
        }

        partition.ReadSamples(Next(), samples);
        return true;
    }

    public bool ReadValues(float[] values) => false;

    private int Next()
    {
        int index;
        if (_cumulative != null)
        {
            double u = _random!.NextDouble() * _cumulative[^1];
            int c = 0;
            while (_cumulative[c] <= u)
            {
                c++;
            }

            int[] members = _byClass![c];
            index = members[_random.Next(members.Length)];
        }
        else
        {
            index = _next;
            _next = (_next + 1) % partition.Count;
        }

        LastLabel = partition.Label(index);
        LastIndex = index;
        return index;
    }
}
