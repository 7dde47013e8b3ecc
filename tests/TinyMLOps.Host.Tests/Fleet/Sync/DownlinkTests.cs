using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Firmware.Core.Sync;
using TinyMLOps.Fleet.Broker;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Fleet.Sync;

/// <summary>Host to device: commands with their results, and chunked artifacts that resume after the link drops.</summary>
[Collection(SyncCollection.Name)]
public sealed class DownlinkTests
{
    [Fact]
    public async Task A_queued_command_reaches_its_board_once_and_its_result_is_recorded()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true);
        var board = h.AddBoard("cmd-1", port, pattern: new ConnectivityPattern(60, 10, 30));
        var handler = new CountingHandler();
        board.Device.Commands.Register("blink", handler);

        long id = await store.EnqueueCommandAsync("cmd-1", "blink", [3]);
        long unknown = await store.EnqueueCommandAsync("cmd-1", "self-destruct", []);

        // Offline for the first half hour; the command goes out when the board says hello.
        h.Run(TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(1), pauseMillis: 10);
        Assert.True(await h.DrainAsync(TimeSpan.FromSeconds(60)));
        await MosquittoSyncTests.WaitUntilAsync(() => store.GetCommandAsync(unknown).Result?.Status != null);

        var done = await store.GetCommandAsync(id);
        Assert.Equal(CommandResultPayload.Ok, done!.Status);
        Assert.Equal("blinked 3", done.Detail);
        Assert.Equal(1, handler.Calls);
        Assert.Equal(CommandResultPayload.UnknownCommand, (await store.GetCommandAsync(unknown))!.Status);
        Assert.Empty(await store.PendingCommandsAsync("cmd-1"));
    }

    [Fact]
    public async Task A_chunked_artifact_resumes_after_the_link_drops_mid_transfer()
    {
        await using var h = new SyncHarness();
        int port = MosquittoProcess.FreePort();
        var (store, host) = await h.StartSqliteHostAsync(port, embedded: true);
        var board = h.AddBoard("dl-1", port);
        h.Run(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), pauseMillis: 20);
        Assert.True(board.Transport.IsConnected);

        var artifact = new byte[200_000];
        new Random(5).NextBytes(artifact);
        var transfer = await host.Transfers.StartAsync("test", "dl-1", 77, 1, artifact, chunkBytes: 1024);

        // Take one poll's worth of chunks, lose the link and reboot (what was received but not taken is in RAM, gone).
        board.Device.Poll();
        board.Transport.LinkUp = false;
        h.Run(TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(1), pauseMillis: 0);
        Assert.False(board.Device.Downloads.IsComplete);
        board.Reboot();
        h.Track(board);

        await MosquittoSyncTests.WaitUntilAsync(() =>
        {
            board.Transport.LinkUp = true;
            h.Run(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), pauseMillis: 20);
            return board.Device.Downloads.IsComplete && transfer.Complete;
        });
        Assert.Equal(artifact, board.Device.Downloads.ReadArtifact());
        // The host resent only what the device's report said it lacked, not the whole artifact.
        Assert.InRange(transfer.ChunksSent, transfer.ChunkCount + 1, (2 * transfer.ChunkCount) - 1);
    }

    private sealed class CountingHandler : ICommandHandler
    {
        public int Calls { get; private set; }

        public int Handle(CommandPayload command, out string detail)
        {
            Calls++;
            detail = "blinked " + command.Arguments[0];
            return CommandResultPayload.Ok;
        }
    }
}
