using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Firmware.Tests.Platform;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Sync;

public class ChunkedUploadTests
{
    [Fact]
    public void Splits_an_artifact_into_non_droppable_chunks_that_reassemble_to_it()
    {
        var outbox = new Outbox(new MemoryStorage(), "outbox.log", "dev-1", 16 * 1024);
        var upload = new ChunkedUpload(outbox, "dev-1", ChunkPayload.MaxChunkBytes);
        var artifact = ChunkAssemblerTests.Artifact(5000);

        var result = upload.Upload(77, 2, artifact, 0);

        Assert.True(result.Accepted);
        Assert.Equal(3, outbox.PendingCount);
        var assembler = new ChunkAssembler(new MemoryStorage(), "up", 16);
        for (int i = 0; i < outbox.PendingCount; i++)
        {
            var entry = outbox.GetPending(i);
            Assert.False(entry.Droppable);
            var chunk = ChunkPayload.Decode(WireCodec.Decode(outbox.ReadEncoded(entry)).Payload);
            Assert.True(chunk.Data.Length <= ChunkPayload.MaxChunkBytes);
            assembler.Accept(chunk);
        }

        Assert.Equal(artifact, assembler.ReadArtifact());
        Assert.Equal(outbox.GetPending(2).Sequence, result.Sequence);
    }

    [Fact]
    public void Refuses_up_front_when_the_outbox_cannot_hold_the_whole_artifact()
    {
        var outbox = new Outbox(new MemoryStorage(), "outbox.log", "dev-1", 8 * 1024);
        var upload = new ChunkedUpload(outbox, "dev-1", 1024);
        for (int i = 0; i < 4; i++)
        {
            outbox.Enqueue(MessageKind.CommandResult, new byte[900], 0, false);
        }

        Assert.Equal(EnqueueResult.Full, upload.Upload(1, 1, new byte[4000], 0).Status);
        Assert.Equal(EnqueueResult.TooLarge, upload.Upload(2, 1, new byte[9000], 0).Status);
        Assert.Equal(4, outbox.PendingCount);
        Assert.True(upload.Upload(3, 1, new byte[2500], 0).Accepted);
        Assert.Equal(7, outbox.PendingCount);
    }
}
