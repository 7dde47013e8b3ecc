using TinyMLOps.Fleet.Federated;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Fleet.Federated.Rounds;

public sealed class RoundConfigTests
{
    [Fact]
    public void The_defaults_are_valid_and_survive_JSON()
    {
        var config = new RoundConfig { VariantId = "mlp-w1", Fleet = "f", Strategy = "trimmed", Deadline = TimeSpan.FromMinutes(7) };
        config.Validate();
        Assert.Equal(config, RoundConfig.FromJson(config.ToJson()));
    }

    [Theory]
    [InlineData("variant", "a base variant is required")]
    [InlineData("layers", "layers")]
    [InlineData("keep", "keep fraction")]
    [InlineData("participants", "participants")]
    [InlineData("strategy", "unknown strategy")]
    [InlineData("samples", "samples")]
    public void A_setting_out_of_range_is_named(string what, string expected)
    {
        var ok = new RoundConfig { VariantId = "v" };
        var bad = what switch
        {
            "variant" => ok with { VariantId = "" },
            "layers" => ok with { Layers = 9 },
            "keep" => ok with { KeepFraction = 0 },
            "participants" => ok with { MinParticipants = 5, TargetParticipants = 4 },
            "strategy" => ok with { Strategy = "krum" },
            _ => ok with { MinSamples = 10, MaxSamples = 5 },
        };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_invite_carries_every_training_setting_and_decodes()
    {
        var config = new RoundConfig { VariantId = "v", Layers = 2, Epochs = 3, BatchSize = 8, LearningRate = 0.2f, ProximalMu = 0.01f, ClipNorm = 4, KeepFraction = 0.25f, ErrorFeedback = false, RequirePlugged = true, MinSamples = 30, MaxSamples = 300, IdleSeconds = 60, Seed = 9 };
        var deadline = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var invite = RoundInvite.Decode(config.Invite("r4", "v", new byte[32], deadline).Encode());
        Assert.Equal(("r4", 2, 3, 8, 0.2f, 0.01f, 4f, 0.25f), (invite.RoundId, invite.Layers, invite.Epochs, invite.BatchSize, invite.LearningRate, invite.ProximalMu, invite.ClipNorm, invite.KeepFraction));
        Assert.False(invite.ErrorFeedback);
        Assert.True(invite.RequirePlugged);
        Assert.Equal((30, 300, 60, 1_800_000_000u, 9u), (invite.MinSamples, invite.MaxSamples, invite.IdleSeconds, invite.Deadline, invite.Seed));
    }

    [Theory]
    [InlineData("fedavg", "FedAvg")]
    [InlineData("fedavgm", "FedAvgM")]
    [InlineData("fedprox", "FedProx")]
    [InlineData("median", "FedMedian")]
    [InlineData("trimmed", "TrimmedMean")]
    public void Each_strategy_name_builds_its_strategy(string name, string expected)
    {
        Assert.Equal(expected, StrategyFactory.Create(new RoundConfig { VariantId = "v", Strategy = name }).Name);
    }

    [Fact]
    public void Noise_above_zero_wraps_the_strategy_in_differential_privacy()
    {
        var strategy = StrategyFactory.Create(new RoundConfig { VariantId = "v", Strategy = "fedavg", DpNoiseMultiplier = 1.1 });
        Assert.IsType<DifferentialPrivacy>(strategy);
        Assert.Equal("DP(FedAvg)", strategy.Name);
    }

    [Theory]
    [InlineData("mlp-w1", "r3", "mlp-w1+fl-r3")]
    [InlineData("mlp-w1+fl-r3", "r4", "mlp-w1+fl-r4")]
    public void A_released_candidate_takes_the_base_root_and_its_round_as_variant_id(string baseId, string round, string expected)
    {
        var record = new RoundRecord(round, "m", baseId, 1, "00", VariantAssignment.RolePlugged, null, null, "fedavg", "{}", RoundStates.Evaluating, "", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, null, null, null, 1);
        Assert.Equal(expected, RoundCoordinator.ReleaseVariantId(record));
    }
}
