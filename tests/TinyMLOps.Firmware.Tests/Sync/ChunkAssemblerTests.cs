using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Tests.Sync;

public class ChunkAssemblerTests
{
    [Fact]
    public void A_transfer_resumes_after_a_reboot_and_completes_with_the_whole_artifact()
    {
        var storage = new MemoryStorage();
        var artifact = Artifact(5000);
        var chunks = Split(artifact, 42, 2048);
        var assembler = new ChunkAssembler(storage, "model", 64);
        Assert.Equal(ChunkAssembler.Stored, assembler.Accept(chunks[2]));
        Assert.Equal(ChunkAssembler.Stored, assembler.Accept(chunks[0]));

        var rebooted = new ChunkAssembler(storage, "model", 64);
        var status = rebooted.Status()!;
        Assert.Equal((42u, 3, false), (status.TransferId, status.Count, status.Complete));
        Assert.True(status.Has(0) && !status.Has(1) && status.Has(2));
        Assert.Equal(ChunkAssembler.Duplicate, rebooted.Accept(chunks[0]));
        Assert.Equal(ChunkAssembler.Completed, rebooted.Accept(chunks[1]));

        Assert.Equal(artifact, rebooted.ReadArtifact());
        Assert.Equal(artifact, storage.ReadAll(rebooted.ArtifactFile));
        var done = new ChunkAssembler(storage, "model", 64);
        Assert.True(done.IsComplete);
        Assert.True(done.Status()!.Complete);
        Assert.Equal(ChunkAssembler.Duplicate, done.Accept(chunks[1]));
        ChunkStatusPayload.Decode(done.Status()!.Encode());
    }

    [Fact]
    public void A_torn_chunk_record_is_forgotten_at_every_byte()
    {
        var artifact = Artifact(300);
        var chunks = Split(artifact, 5, 100);
        var baseStorage = new MemoryStorage();
        new ChunkAssembler(baseStorage, "model", 64).Accept(chunks[0]);
        int record = 8 + 2 + 100;
        for (int keep = 0; keep < record; keep++)
        {
            var storage = baseStorage.Clone();
            var assembler = new ChunkAssembler(storage, "model", 64);
            storage.CutNextWrite(keep);
            Assert.Throws<PowerLossException>(() => assembler.Accept(chunks[1]));

            var rebooted = new ChunkAssembler(storage, "model", 64);
            Assert.Equal(1, rebooted.ReceivedCount);
            Assert.False(rebooted.Has(1));
            Assert.Equal(ChunkAssembler.Stored, rebooted.Accept(chunks[1]));
            Assert.Equal(ChunkAssembler.Completed, rebooted.Accept(chunks[2]));
            Assert.Equal(artifact, rebooted.ReadArtifact());
        }
    }

    [Fact]
    public void A_power_cut_while_finishing_is_finished_on_the_next_boot()
    {
        var artifact = Artifact(250);
        var chunks = Split(artifact, 9, 100);
        var dry = new MemoryStorage();
        var assembler = new ChunkAssembler(dry, "model", 64);
        assembler.Accept(chunks[0]);
        assembler.Accept(chunks[1]);
        var baseStorage = dry.Clone();
        int start = dry.Journal.Count;
        assembler.Accept(chunks[2]);
        int steps = dry.Journal.Count - start;

        for (int step = 1; step < steps; step++)
        {
            var storage = baseStorage.Clone();
            var a = new ChunkAssembler(storage, "model", 64);
            storage.CutPowerAt(step, 0);
            Assert.Throws<PowerLossException>(() => a.Accept(chunks[2]));

            var rebooted = new ChunkAssembler(storage, "model", 64);
            Assert.True(rebooted.IsComplete, "cut at step " + step);
            Assert.Equal(artifact, rebooted.ReadArtifact());
        }
    }

    [Fact]
    public void Chunks_whose_identity_disagrees_with_the_transfer_in_progress_are_rejected()
    {
        var assembler = new ChunkAssembler(new MemoryStorage(), "model", 64);
        var chunks = Split(Artifact(300), 5, 100);
        assembler.Accept(chunks[0]);

        var otherCrc = Split(Artifact(300), 5, 100)[1];
        otherCrc.ArtifactCrc ^= 1;
        var otherTransfer = Split(Artifact(300), 6, 100)[1];
        var otherCount = Split(Artifact(300), 5, 150)[1];

        Assert.Equal(ChunkAssembler.Rejected, assembler.Accept(otherCrc));
        Assert.Equal(ChunkAssembler.Rejected, assembler.Accept(otherTransfer));
        Assert.Equal(ChunkAssembler.Rejected, assembler.Accept(otherCount));
        Assert.Equal(3, assembler.RejectedCount);
        Assert.Equal(1, assembler.ReceivedCount);
    }

    [Fact]
    public void A_chunk_with_corrupted_data_is_rejected_on_the_wire_and_a_wrong_length_by_the_assembler()
    {
        var chunks = Split(Artifact(300), 5, 100);
        byte[] wire = chunks[1].Encode();
        wire[^1] ^= 0x40;
        Assert.Throws<ProtocolException>(() => ChunkPayload.Decode(wire));

        var assembler = new ChunkAssembler(new MemoryStorage(), "model", 64);
        assembler.Accept(chunks[0]);
        var shortChunk = Split(Artifact(300), 5, 100)[1];
        shortChunk.Data = shortChunk.Data[..50];
        Assert.Equal(ChunkAssembler.BadLength, assembler.Accept(shortChunk));
        Assert.False(assembler.Has(1));
    }

    [Fact]
    public void A_wrong_whole_artifact_crc_fails_the_transfer_and_starts_it_over()
    {
        var artifact = Artifact(300);
        var chunks = Split(artifact, 5, 100);
        foreach (var c in chunks)
        {
            c.ArtifactCrc ^= 0x1234;
        }

        var storage = new MemoryStorage();
        var assembler = new ChunkAssembler(storage, "model", 64);
        assembler.Accept(chunks[0]);
        assembler.Accept(chunks[1]);
        Assert.Equal(ChunkAssembler.CrcMismatch, assembler.Accept(chunks[2]));

        Assert.False(assembler.IsComplete);
        Assert.Equal(0, assembler.ReceivedCount);
        Assert.Equal(1, assembler.FailedCount);
        Assert.False(storage.Exists(assembler.ArtifactFile));
        Assert.Equal(0, new ChunkAssembler(storage, "model", 64).ReceivedCount);
    }

    [Fact]
    public void A_transfer_with_more_chunks_than_allowed_is_refused()
    {
        var assembler = new ChunkAssembler(new MemoryStorage(), "model", 2);
        Assert.Equal(ChunkAssembler.TooLarge, assembler.Accept(Split(Artifact(300), 1, 100)[0]));
        Assert.False(assembler.Active);
    }

    internal static byte[] Artifact(int length) => Enumerable.Range(0, length).Select(i => (byte)((i * 7) ^ (i >> 3))).ToArray();

    internal static ChunkPayload[] Split(byte[] artifact, uint transferId, int size)
    {
        int count = Math.Max(1, (artifact.Length + size - 1) / size);
        uint crc = Crc32.Compute(artifact, 0, artifact.Length);
        return Enumerable.Range(0, count).Select(i => new ChunkPayload
        {
            TransferId = transferId,
            ContentType = 1,
            Index = i,
            Count = count,
            TotalLength = (uint)artifact.Length,
            ArtifactCrc = crc,
            Data = artifact.Skip(i * size).Take(size).ToArray(),
        }).ToArray();
    }
}
