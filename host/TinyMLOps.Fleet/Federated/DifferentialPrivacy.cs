using TinyMLOps.Fleet.Security;

namespace TinyMLOps.Fleet.Federated;

/// <summary>
/// Central differential privacy as a wrapper around another strategy (Flower's server-side fixed clipping, after
/// DP-FedAvg by McMahan et al. 2018): clip each client delta to L2 norm C, aggregate with the inner strategy, then add
/// N(0, σ²) to every coordinate of the result with σ = z·C/n (z the noise multiplier, n the clients used).
/// <para>
/// Accounting. Replacing one client's clipped delta moves an unweighted mean of n deltas by at most C/n in L2
/// (Flower's convention), so noise of z times that sensitivity gives per round the classic Gaussian-mechanism bound
/// (Dwork and Roth 2014, Theorem A.1): ε₁ = sqrt(2·ln(1.25/δ)) / z at δ = 1e-5. Rounds are combined by basic
/// (linear) composition, so after T rounds the report says (T·ε₁, T·δ). Both choices are deliberately simple and
/// loose: the theorem is only proved for ε₁ &lt; 1 (z above about 4.84 at δ = 1e-5), so for smaller z the number
/// is an indication rather than a guarantee; and subsampling amplification and RDP/moments accounting, which would
/// give much smaller ε, are not used.
/// </para>
/// <para>
/// The C/n sensitivity only holds when the inner aggregate is an unweighted mean with unit server step. So by default
/// the wrapper gives every clipped update the same weight (FedAvg becomes a plain mean); FedAvgM with η ≠ 1 or
/// robust inner strategies change the sensitivity and the reported ε does not cover them.
/// </para>
/// <para>
/// The noise comes from the operating system's cryptographic generator (<see cref="CryptoRandom"/>) and has no seed:
/// a round's seed travels to every participant in the invite, so noise drawn from it could be regenerated and
/// subtracted from the released model by any of them. Only simulations may pass their own source.
/// </para>
/// </summary>
public sealed class DifferentialPrivacy : IAggregationStrategy
{
    /// <summary>The δ the reported ε is for, per round.</summary>
    public const double DeltaPerRound = 1e-5;

    private readonly IAggregationStrategy _inner;
    private readonly Random _random;
    private readonly bool _equalWeights;
    private int _rounds;

    /// <param name="inner">The strategy that aggregates the clipped updates.</param>
    /// <param name="clippingNorm">C, the L2 bound per client delta.</param>
    /// <param name="noiseMultiplier">z, the noise standard deviation in units of the per-client sensitivity C/n.</param>
    /// <param name="equalWeights">Give every clipped update the same weight, so the sensitivity is C/n (see remarks).</param>
    public DifferentialPrivacy(IAggregationStrategy inner, double clippingNorm, double noiseMultiplier, bool equalWeights = true)
        : this(inner, clippingNorm, noiseMultiplier, CryptoRandom.Instance, equalWeights)
    {
    }

    /// <summary>
    /// As the other constructor, with the noise drawn from <paramref name="simulationNoise"/>: for simulations that
    /// must repeat exactly, never for a round with real participants (anyone who knows the source's seed can remove
    /// the noise).
    /// </summary>
    public DifferentialPrivacy(IAggregationStrategy inner, double clippingNorm, double noiseMultiplier, Random simulationNoise, bool equalWeights = true)
    {
        ArgumentNullException.ThrowIfNull(simulationNoise);
        ArgumentNullException.ThrowIfNull(inner);
        if (!(clippingNorm > 0) || double.IsInfinity(clippingNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(clippingNorm), clippingNorm, "The clipping norm must be positive and finite.");
        }

        // z = 0 would mean no privacy and an infinite ε; refuse it rather than report nonsense.
        if (!(noiseMultiplier > 0) || double.IsInfinity(noiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "The noise multiplier must be positive and finite.");
        }

        _inner = inner;
        ClippingNorm = clippingNorm;
        NoiseMultiplier = noiseMultiplier;
        _random = simulationNoise;
        _equalWeights = equalWeights;
    }

    public string Name => $"DP({_inner.Name})";

    public double ClippingNorm { get; }

    public double NoiseMultiplier { get; }

    /// <summary>Rounds aggregated so far (the T of the composition).</summary>
    public int Rounds => _rounds;

    /// <summary>ε₁ = sqrt(2·ln(1.25/δ)) / z for one round at δ = <see cref="DeltaPerRound"/>.</summary>
    public double EpsilonPerRound => EpsilonForOneRound(NoiseMultiplier, DeltaPerRound);

    /// <summary>Basic composition: T·ε₁ after T rounds.</summary>
    public double EpsilonAfter(int rounds) => rounds * EpsilonPerRound;

    /// <summary>The classic Gaussian-mechanism bound for noise multiplier z at δ.</summary>
    public static double EpsilonForOneRound(double noiseMultiplier, double delta)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1).");
        }

        return Math.Sqrt(2 * Math.Log(1.25 / delta)) / noiseMultiplier;
    }

    /// <summary>σ = z·C/n, the noise standard deviation per coordinate for n clients.</summary>
    public double NoiseStd(int clients) => NoiseMultiplier * ClippingNorm / clients;

    public AggregationResult Aggregate(IReadOnlyList<ClientUpdate> updates, float[][] global)
    {
        var usable = ClientUpdate.Usable(updates, global, out var dropped);
        var clippedCount = 0;
        var clipped = new List<ClientUpdate>(usable.Count);
        foreach (var u in usable)
        {
            var delta = AggregationMath.ClipToNorm(u.Delta, ClippingNorm, out var wasClipped);
            clippedCount += wasClipped ? 1 : 0;
            clipped.Add(u with { Delta = delta, SampleCount = _equalWeights ? 1 : u.SampleCount });
        }

        var inner = _inner.Aggregate(clipped, global);
        var result = inner.Global.Select(t => (float[])t.Clone()).ToArray();
        AggregationMath.AddGaussianNoiseInPlace(result, NoiseStd(clipped.Count), _random);
        _rounds++;
        return new AggregationResult(result, inner.Report with
        {
            Strategy = Name,
            ClientsDropped = dropped + inner.Report.ClientsDropped,
            ClientsClipped = clippedCount,
            Epsilon = EpsilonAfter(_rounds),
            Delta = _rounds * DeltaPerRound,
            Round = _rounds,
        });
    }
}
