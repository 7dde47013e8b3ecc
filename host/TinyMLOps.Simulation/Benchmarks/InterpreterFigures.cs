namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>One measurement line of the interpreter benchmark: bench,NAME,MACS,ITERATIONS,TICKS,CHECK (TICKS in 100 ns).</summary>
public sealed record InterpreterMeasurement(string Name, long Macs, int Iterations, long Ticks)
{
    public double NsPerRun => Ticks * 100.0 / Iterations;

    public double NsPerMac => NsPerRun / Macs;

    /// <summary>Parses a bench line, or returns null for any other line (start, end, the toolchain's build output).</summary>
    public static InterpreterMeasurement? Parse(string line)
    {
        string[] f = line.Trim().Split(',');
        if (f.Length < 5 || f[0] != "bench"
            || !long.TryParse(f[2], System.Globalization.CultureInfo.InvariantCulture, out long macs)
            || !int.TryParse(f[3], System.Globalization.CultureInfo.InvariantCulture, out int iterations)
            || !long.TryParse(f[4], System.Globalization.CultureInfo.InvariantCulture, out long ticks)
            || macs <= 0 || iterations <= 0 || ticks <= 0)
        {
            return null;
        }

        return new InterpreterMeasurement(f[1], macs, iterations, ticks);
    }
}

/// <summary>One kernel shape: ns per MAC on nanoCLR, .NET and in plain C (null where that column was not run).</summary>
public sealed record InterpreterKernelRow(string Name, long Macs, double? NanoClrNsPerMac, double DotnetNsPerMac, double? CNsPerMac)
{
    public double? NanoClrOverC => NanoClrNsPerMac / CNsPerMac;

    public double? NanoClrOverDotnet => NanoClrNsPerMac / DotnetNsPerMac;
}

/// <summary>One inference of a variant-shaped model, in ms, on nanoCLR and .NET.</summary>
public sealed record InterpreterVariantRow(string Name, long Macs, double? NanoClrMs, double DotnetMs)
{
    public double? NanoClrNsPerMac => NanoClrMs * 1e6 / Macs;
}

/// <summary>
/// The figures of one `bench nanoclr` run, with what was missing (null when present). The interpreter factor is the
/// geometric mean of nanoCLR ÷ C over FullyConnected and Conv2D, the two kernels that carry the variants' MACs.
/// </summary>
public sealed record InterpreterReport(
    DateTimeOffset RunAt,
    string Machine,
    IReadOnlyList<InterpreterKernelRow> Kernels,
    IReadOnlyList<InterpreterVariantRow> Variants,
    string? NanoClrMissing,
    string? GccMissing,
    int Passes = 1)
{
    public double? InterpreterFactor
    {
        get
        {
            var factors = Kernels.Where(k => k.Name.StartsWith("FullyConnected", StringComparison.Ordinal) || k.Name.StartsWith("Conv2D", StringComparison.Ordinal))
                .Select(k => k.NanoClrOverC).ToList();
            return factors.Count == 0 || factors.Any(f => f is null) ? null : Math.Exp(factors.Average(f => Math.Log(f!.Value)));
        }
    }
}
