using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Host.Tests.Fleet.Store;

public abstract partial class FleetStoreContractTests
{
    private static RoundRecord Round(string id, string state = "collecting", DateTimeOffset? created = null) =>
        new(
            id,
            "kws",
            "kws-cnn-w1",
            3,
            new string('c', 64),
            1,
            "lab",
            null,
            "fedavg",
            """{"minClients":3,"localEpochs":1}""",
            state,
            "collecting deltas",
            created ?? T0,
            (created ?? T0).AddHours(1),
            created ?? T0,
            null,
            null,
            null,
            null,
            null,
            1);

    private static RoundParticipantRecord Invited(string roundId, string deviceId, DateTimeOffset at) =>
        new(roundId, deviceId, "invited", 17, at, at, null, null, null, "invited");

    [StoreFact]
    public async Task A_round_is_created_once_and_read_back_with_every_field()
    {
        var round = new RoundRecord(
            "r-1", "kws", "kws-cnn-w1", 3, new string('c', 64), 2, null, "esp32-s3", "fedprox", """{"mu":0.01}""", "configured", "created",
            T0, T0.AddMinutes(30), T0.AddSeconds(1), """{"clients":0}""", [1, 2, 3, 250], "kws-cnn-w1-fl1", 4, 77, Version: 9);
        Assert.True(await Store.CreateRoundAsync(round));

        // A second create with the same id writes nothing, even with other values.
        Assert.False(await Store.CreateRoundAsync(round with { State = "failed", ModelId = "other" }));

        var got = (await Store.GetRoundAsync("r-1"))!;
        Assert.Equal(
            ("r-1", "kws", "kws-cnn-w1", 3, new string('c', 64), 2, (string?)null, "esp32-s3", "fedprox", """{"mu":0.01}""", "configured", "created"),
            (got.RoundId, got.ModelId, got.BaseVariantId, got.BaseVersion, got.BaseHash, got.Role, got.Fleet, got.Board, got.Strategy, got.Config, got.State, got.Reason));
        Assert.Equal((T0, T0.AddMinutes(30), T0.AddSeconds(1)), (got.CreatedAt, got.Deadline, got.UpdatedAt));
        Assert.Equal("""{"clients":0}""", got.Result);
        Assert.Equal(new byte[] { 1, 2, 3, 250 }, got.CandidateHead);
        Assert.Equal(("kws-cnn-w1-fl1", (int?)4, (long?)77), (got.CandidateVariantId, got.CandidateVersion, got.RolloutId));
        Assert.Equal(1, got.Version); // the store numbers versions itself

        // The optional fields come back absent when absent.
        Assert.True(await Store.CreateRoundAsync(Round("r-2")));
        var bare = (await Store.GetRoundAsync("r-2"))!;
        Assert.Equal(("lab", (string?)null), (bare.Fleet, bare.Board));
        Assert.Null(bare.Result);
        Assert.Null(bare.CandidateHead);
        Assert.Null(bare.CandidateVariantId);
        Assert.Null(bare.CandidateVersion);
        Assert.Null(bare.RolloutId);

        Assert.Null(await Store.GetRoundAsync("r-unknown"));
        Assert.Empty(await Store.RoundParticipantsAsync("r-unknown"));
    }

    [StoreFact]
    public async Task Updating_a_round_moves_its_mutable_fields_and_bumps_the_version()
    {
        Assert.True(await Store.CreateRoundAsync(Round("r-1")));
        var created = (await Store.GetRoundAsync("r-1"))!;

        var aggregated = created with
        {
            ModelId = "ignored", Config = "ignored", CreatedAt = T0.AddDays(1),
            State = "evaluating", Reason = "aggregated 5 deltas", Deadline = T0.AddHours(2), Result = """{"clients":5}""",
            CandidateHead = [9, 8, 7], CandidateVariantId = "kws-cnn-w1-fl1", CandidateVersion = 4, RolloutId = 12,
        };
        Assert.True(await Store.UpdateRoundAsync(aggregated, expectedVersion: 1));

        var got = (await Store.GetRoundAsync("r-1"))!;
        Assert.Equal(("evaluating", "aggregated 5 deltas", T0.AddHours(2), """{"clients":5}"""), (got.State, got.Reason, got.Deadline, got.Result));
        Assert.Equal(new byte[] { 9, 8, 7 }, got.CandidateHead);
        Assert.Equal(("kws-cnn-w1-fl1", (int?)4, (long?)12, 2), (got.CandidateVariantId, got.CandidateVersion, got.RolloutId, got.Version));
        Assert.Equal(("kws", created.Config, T0), (got.ModelId, got.Config, got.CreatedAt)); // not mutable
        Assert.True(got.UpdatedAt > created.UpdatedAt);

        // A null clears a stored value.
        Assert.True(await Store.UpdateRoundAsync(got with { State = "failed", Reason = "regressed", CandidateHead = null, RolloutId = null }, expectedVersion: 2));
        var failed = (await Store.GetRoundAsync("r-1"))!;
        Assert.Equal(("failed", 3), (failed.State, failed.Version));
        Assert.Null(failed.CandidateHead);
        Assert.Null(failed.RolloutId);
        Assert.Equal("kws-cnn-w1-fl1", failed.CandidateVariantId);

        Assert.False(await Store.UpdateRoundAsync(Round("r-unknown"), expectedVersion: 1));
        Assert.Null(await Store.GetRoundAsync("r-unknown"));
    }

    [StoreFact]
    public async Task Updating_a_round_with_a_stale_version_changes_nothing()
    {
        Assert.True(await Store.CreateRoundAsync(Round("r-1")));
        var round = (await Store.GetRoundAsync("r-1"))!;
        Assert.True(await Store.UpdateRoundAsync(round with { State = "aggregating", Reason = "deadline" }, round.Version));

        // A second writer read version 1 too and tries to write on top of it.
        Assert.False(await Store.UpdateRoundAsync(round with { State = "failed", Reason = "stale writer", CandidateHead = [1] }, round.Version));
        Assert.False(await Store.UpdateRoundAsync(round with { State = "failed" }, expectedVersion: 7));

        var got = (await Store.GetRoundAsync("r-1"))!;
        Assert.Equal(("aggregating", "deadline", 2), (got.State, got.Reason, got.Version));
        Assert.Null(got.CandidateHead);

        // Two writers racing from the same version: exactly one wins.
        bool[] won = await Task.WhenAll(
            Store.UpdateRoundAsync(got with { State = "evaluating", Reason = "a" }, got.Version),
            Create().UpdateRoundAsync(got with { State = "failed", Reason = "b" }, got.Version));
        Assert.Single(won, w => w);
        Assert.Equal(3, (await Store.GetRoundAsync("r-1"))!.Version);
    }

    [StoreFact]
    public async Task Unfinished_rounds_exclude_released_and_failed_ones()
    {
        string[] states = ["configured", "collecting", "aggregating", "evaluating", "releasing", "released", "failed", "cancelled"];
        for (int i = 0; i < states.Length; i++)
        {
            Assert.True(await Store.CreateRoundAsync(Round($"r-{i}", states[i], T0.AddMinutes(i))));
        }

        // Same creation time: the id breaks the tie, newest (largest) first.
        Assert.True(await Store.CreateRoundAsync(Round("r-9", "collecting", T0.AddMinutes(4))));

        Assert.Equal(["r-7", "r-6", "r-5", "r-9", "r-4", "r-3", "r-2", "r-1", "r-0"], (await Store.ListRoundsAsync()).Select(r => r.RoundId));
        Assert.Equal(["r-9", "r-4", "r-3", "r-2", "r-1", "r-0"], (await Store.ListRoundsAsync(unfinishedOnly: true)).Select(r => r.RoundId));

        var releasing = (await Store.GetRoundAsync("r-4"))!;
        Assert.True(await Store.UpdateRoundAsync(releasing with { State = "released" }, releasing.Version));
        Assert.Equal(["r-9", "r-3", "r-2", "r-1", "r-0"], (await Store.ListRoundsAsync(unfinishedOnly: true)).Select(r => r.RoundId));
    }

    [StoreFact]
    public async Task Reinviting_keeps_the_first_invitation_time()
    {
        Assert.True(await Store.CreateRoundAsync(Round("r-1")));
        await Store.UpsertRoundParticipantAsync(Invited("r-1", "dev-2", T0));
        await Store.UpsertRoundParticipantAsync(Invited("r-1", "dev-1", T0));

        // Accepted, then invited again by a later retry with a new command: the first invitation time stays.
        await Store.UpsertRoundParticipantAsync(Invited("r-1", "dev-1", T0) with { State = "accepted", UpdatedAt = T0.AddMinutes(1), Detail = "accepted" });
        await Store.UpsertRoundParticipantAsync(Invited("r-1", "dev-1", T0.AddMinutes(5)) with { CommandId = 18, Detail = "re-invited" });

        var participants = await Store.RoundParticipantsAsync("r-1");
        Assert.Equal(["dev-1", "dev-2"], participants.Select(p => p.DeviceId));
        var p1 = participants[0];
        Assert.Equal(("invited", (long?)18, T0, T0.AddMinutes(5), "re-invited"), (p1.State, p1.CommandId, p1.InvitedAt, p1.UpdatedAt, p1.Detail));
        Assert.Equal((T0, (long?)17), (participants[1].InvitedAt, participants[1].CommandId));

        // The upsert replaces counts and transfer, a null clearing them.
        await Store.UpsertRoundParticipantAsync(p1 with { State = "uploaded", TransferId = 5, SampleCount = 40, DeltaBytes = 1234, UpdatedAt = T0.AddMinutes(6) });
        await Store.UpsertRoundParticipantAsync(p1 with { State = "rejected", CommandId = null, TransferId = null, SampleCount = null, DeltaBytes = null, UpdatedAt = T0.AddMinutes(7), Detail = "norm too large" });
        var rejected = (await Store.RoundParticipantsAsync("r-1"))[0];
        Assert.Equal(("rejected", T0, T0.AddMinutes(7), "norm too large"), (rejected.State, rejected.InvitedAt, rejected.UpdatedAt, rejected.Detail));
        Assert.Null(rejected.CommandId);
        Assert.Null(rejected.TransferId);
        Assert.Null(rejected.SampleCount);
        Assert.Null(rejected.DeltaBytes);

        // Participants belong to their round.
        Assert.True(await Store.CreateRoundAsync(Round("r-2")));
        await Store.UpsertRoundParticipantAsync(Invited("r-2", "dev-1", T0.AddHours(1)));
        Assert.Equal(T0.AddHours(1), (await Store.RoundParticipantsAsync("r-2")).Single().InvitedAt);
        Assert.Equal(2, (await Store.RoundParticipantsAsync("r-1")).Count);
    }

    [StoreFact]
    public async Task A_duplicate_delta_is_not_recorded_twice()
    {
        Assert.True(await Store.CreateRoundAsync(Round("r-1")));
        await Store.UpsertRoundParticipantAsync(Invited("r-1", "dev-1", T0));
        await Store.UpsertRoundParticipantAsync(Invited("r-1", "dev-2", T0) with { State = "accepted" });

        Assert.True(await Store.RecordRoundDeltaAsync("r-1", "dev-1", 31, 120, 4096, T0.AddMinutes(3)));
        Assert.True(await Store.RecordRoundDeltaAsync("r-1", "dev-2", 32, 80, 2048, T0.AddMinutes(4)));

        // The same delta again (a redelivered transfer), or another one: the first stays.
        Assert.False(await Store.RecordRoundDeltaAsync("r-1", "dev-1", 33, 999, 1, T0.AddMinutes(9)));

        var participants = await Store.RoundParticipantsAsync("r-1");
        var p1 = participants[0];
        Assert.Equal(("uploaded", (long?)31, (long?)120, (long?)4096, T0.AddMinutes(3)), (p1.State, p1.TransferId, p1.SampleCount, p1.DeltaBytes, p1.UpdatedAt));
        Assert.Equal((T0, (long?)17, "invited"), (p1.InvitedAt, p1.CommandId, p1.Detail)); // untouched by the delta
        Assert.Equal(("uploaded", (long?)32), (participants[1].State, participants[1].TransferId));

        // Not a participant, or not a round at all.
        Assert.False(await Store.RecordRoundDeltaAsync("r-1", "dev-9", 34, 1, 1, T0));
        Assert.False(await Store.RecordRoundDeltaAsync("r-unknown", "dev-1", 35, 1, 1, T0));
        Assert.Equal(2, (await Store.RoundParticipantsAsync("r-1")).Count);
    }

    [StoreFact]
    public async Task A_declined_participant_cannot_record_a_delta()
    {
        Assert.True(await Store.CreateRoundAsync(Round("r-1")));
        foreach (string state in new[] { "declined", "straggler", "rejected" })
        {
            await Store.UpsertRoundParticipantAsync(Invited("r-1", $"dev-{state}", T0) with { State = state, Detail = state });
            Assert.False(await Store.RecordRoundDeltaAsync("r-1", $"dev-{state}", 40, 10, 100, T0.AddMinutes(2)));
        }

        Assert.All(await Store.RoundParticipantsAsync("r-1"), p =>
        {
            Assert.Equal(p.Detail, p.State);
            Assert.Null(p.TransferId);
            Assert.Null(p.SampleCount);
            Assert.Null(p.DeltaBytes);
            Assert.Equal(T0, p.UpdatedAt);
        });
    }

    [StoreFact]
    public async Task The_candidate_head_bytes_round_trip()
    {
        byte[] large = new byte[200 * 1024];
        new Random(6).NextBytes(large);
        large[0] = 0;
        large[^1] = 0;

        Assert.True(await Store.CreateRoundAsync(Round("r-large") with { CandidateHead = large }));
        Assert.True(await Store.CreateRoundAsync(Round("r-null") with { CandidateHead = null }));
        Assert.True(await Store.CreateRoundAsync(Round("r-empty") with { CandidateHead = [] }));

        Assert.Equal(large, (await Store.GetRoundAsync("r-large"))!.CandidateHead);
        Assert.Null((await Store.GetRoundAsync("r-null"))!.CandidateHead);
        Assert.Equal(Array.Empty<byte>(), (await Store.GetRoundAsync("r-empty"))!.CandidateHead);

        // Through an update too, and read by another store instance (the host after a restart).
        byte[] reversed = [.. large.Reverse()];
        var nulled = (await Store.GetRoundAsync("r-null"))!;
        Assert.True(await Store.UpdateRoundAsync(nulled with { CandidateHead = reversed }, nulled.Version));
        FleetStore restarted = Create();
        Assert.Equal(reversed, (await restarted.GetRoundAsync("r-null"))!.CandidateHead);
        Assert.Equal(large, (await restarted.ListRoundsAsync()).Single(r => r.RoundId == "r-large").CandidateHead);
    }
}
