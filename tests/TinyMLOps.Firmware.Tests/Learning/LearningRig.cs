using TinyMLOps.Firmware.Core.Learning;
using TinyMLOps.Firmware.Core.Models;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Models;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Learning;

/// <summary>
/// One device's learning side on its own flash: a signed MLP active in the plugged role, an outbox with small chunks,
/// and a <see cref="FederatedClient"/> bound to the model. Everything is seeded, so two rigs built alike train alike.
/// <see cref="Boot"/> restarts on the same flash.
/// </summary>
internal sealed class LearningRig
{
    public const string DeviceId = "dev-1";

    private static uint _commands = 1000;

    public LearningRig(int seed = 1, int outboxBytes = 64 * 1024, int chunkBytes = 64, int featureLayers = 1, bool install = true, bool renameDeletesTargetFirst = false)
    {
        Storage.RenameDeletesTargetFirst = renameDeletesTargetFirst;
        Signed = LearningModels.Signed(seed);
        Model = ModelReader.Read(Signed.Bytes);
        OutboxBytes = outboxBytes;
        ChunkBytes = chunkBytes;
        Options.FeatureLayers = featureLayers;
        if (install)
        {
            var slots = new VariantStore(Storage, TestModels.DeviceKey).Slots(ModelRole.Plugged);
            Assert.Equal(ModelResult.Ok, slots.Stage(Signed.Bytes, Signed.Hash, Signed.Tag, Signed.VariantId));
            Assert.Equal(ModelResult.Ok, slots.Activate());
        }

        Boot();
    }

    public MemoryStorage Storage { get; } = new();

    public FakeClock Clock { get; } = new();

    public ListLog Log { get; } = new();

    public LearningOptions Options { get; } = new() { SampleCapacity = 200, SaveEvery = 25 };

    /// <summary>The free heap training is sized against; -1 (unknown) skips the check.</summary>
    public FakeMemory Memory { get; } = new(-1);

    public SignedModel Signed { get; }

    public Int8Model Model { get; }

    public int OutboxBytes { get; }

    public int ChunkBytes { get; }

    public Outbox Outbox { get; private set; } = null!;

    public FederatedClient Client { get; private set; } = null!;

    public TrainableHead? Head { get; private set; }

    /// <summary>Restarts the device on the same flash: new outbox, store and client, bound to the model again.</summary>
    public void Boot()
    {
        Outbox = new Outbox(Storage, "outbox.log", DeviceId, OutboxBytes);
        var store = new VariantStore(Storage, TestModels.DeviceKey);
        Client = new FederatedClient(Storage, store, new ChunkedUpload(Outbox, DeviceId, ChunkBytes), DeviceId, Clock, Log, Options, Memory);
        Head = Client.UseModel(Model);
    }

    /// <summary>Random int8 features with a label that depends on them (so there is something to learn).</summary>
    public void AddSamples(int count, int seed = 5)
    {
        var rng = new Random(seed);
        var features = new sbyte[Head!.FeatureLength];
        for (int s = 0; s < count; s++)
        {
            for (int i = 0; i < features.Length; i++)
            {
                features[i] = (sbyte)rng.Next(-128, 128);
            }

            int label = Math.Abs(features[0] + features[1]) % Head.ClassCount;
            Assert.True(Client.AddSample(features, 0, label));
        }
    }

    public RoundInvite Invite(string roundId = "r1", int minSamples = 20) => new()
    {
        RoundId = roundId,
        Role = VariantAssignment.RolePlugged,
        BaseVariantId = Signed.VariantId,
        BaseHash = Signed.Hash,
        Layers = 1,
        Epochs = 2,
        BatchSize = 8,
        LearningRate = 0.1f,
        ClipNorm = 5f,
        KeepFraction = 1f,
        Flags = RoundInvite.FlagErrorFeedback | RoundInvite.FlagRequirePlugged,
        MinSamples = minSamples,
        MaxSamples = 512,
        Deadline = Clock.UnixSeconds + 3600,
        Seed = 42,
    };

    public (int Status, string Detail) Handle(RoundInvite invite) => Handle(invite.Encode());

    public (int Status, string Detail) Handle(byte[] arguments)
    {
        var command = new CommandPayload { CommandId = ++_commands, Name = RoundInvite.CommandName, Arguments = arguments };
        int status = Client.Handle(command, out string detail);
        return (status, detail);
    }

    /// <summary>Plugged in and idle for an hour.</summary>
    public void PollReady() => Client.Poll(Clock.UnixSeconds, plugged: true, heavyWorkAllowed: true, idleSeconds: 3600);

    /// <summary>The outbox's delta chunks, by transfer id.</summary>
    public Dictionary<uint, List<ChunkPayload>> Transfers() => Transfers(Outbox);

    public static Dictionary<uint, List<ChunkPayload>> Transfers(Outbox outbox)
    {
        var transfers = new Dictionary<uint, List<ChunkPayload>>();
        for (int i = 0; i < outbox.PendingCount; i++)
        {
            var message = WireCodec.Decode(outbox.ReadEncoded(outbox.GetPending(i)));
            if (message.Kind != MessageKind.Chunk)
            {
                continue;
            }

            var chunk = ChunkPayload.Decode(message.Payload);
            Assert.Equal(ModelDelta.ContentType, chunk.ContentType);
            if (!transfers.TryGetValue(chunk.TransferId, out var list))
            {
                transfers[chunk.TransferId] = list = [];
            }

            list.Add(chunk);
        }

        return transfers;
    }

    /// <summary>The one transfer in the outbox, reassembled as the host does: any order, duplicates allowed if identical.</summary>
    public (uint TransferId, byte[] Bytes) Upload() => Upload(Outbox);

    public static (uint TransferId, byte[] Bytes) Upload(Outbox outbox)
    {
        var (id, chunks) = Assert.Single(Transfers(outbox));
        var first = chunks[0];
        var parts = new byte[first.Count][];
        foreach (var c in chunks)
        {
            Assert.Equal((first.Count, first.TotalLength, first.ArtifactCrc), (c.Count, c.TotalLength, c.ArtifactCrc));
            if (parts[c.Index] != null)
            {
                Assert.Equal(parts[c.Index], c.Data);
            }

            parts[c.Index] = c.Data;
        }

        Assert.All(parts, Assert.NotNull);
        return (id, [.. parts.SelectMany(p => p)]);
    }

    public static float[][] Decode(ModelDelta delta) => [.. delta.Tensors.Select(t => DeltaCodec.Decode(t))];
}
