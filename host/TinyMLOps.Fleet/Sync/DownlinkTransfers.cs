using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Fleet.Sync;

/// <summary>The host's view of one artifact going down to one device.</summary>
public sealed class DownlinkTransfer
{
    internal DownlinkTransfer(string fleet, string deviceId, uint transferId, int contentType, byte[] artifact, int chunkBytes)
    {
        Fleet = fleet;
        DeviceId = deviceId;
        TransferId = transferId;
        ContentType = contentType;
        Artifact = artifact;
        ChunkBytes = chunkBytes;
        ChunkCount = Math.Max(1, (artifact.Length + chunkBytes - 1) / chunkBytes);
        Confirmed = new bool[ChunkCount];
        LastSent = new DateTimeOffset[ChunkCount];
        ArtifactCrc = Crc32.Compute(artifact, 0, artifact.Length);
    }

    public string Fleet { get; }

    public string DeviceId { get; }

    public uint TransferId { get; }

    public int ContentType { get; }

    public byte[] Artifact { get; }

    public int ChunkBytes { get; }

    public int ChunkCount { get; }

    public uint ArtifactCrc { get; }

    /// <summary>Chunks the device reported holding.</summary>
    public bool[] Confirmed { get; }

    /// <summary>When each chunk was last sent; a chunk in flight is not sent again before the resend interval.</summary>
    internal DateTimeOffset[] LastSent { get; }

    /// <summary>When the device last reported its bitmap.</summary>
    internal DateTimeOffset LastStatusAt { get; set; }

    /// <summary>The device's last hello while this transfer was incomplete.</summary>
    internal DateTimeOffset LastHelloAt { get; set; }

    public bool Complete { get; internal set; }

    /// <summary>Start order among the device's transfers: a device assembles one at a time, oldest first.</summary>
    internal long Order { get; set; }

    public int ChunksSent { get; internal set; }

    public ChunkPayload Chunk(int index)
    {
        int offset = index * ChunkBytes;
        int length = Math.Min(ChunkBytes, Artifact.Length - offset);
        return new ChunkPayload
        {
            TransferId = TransferId,
            ContentType = ContentType,
            Index = index,
            Count = ChunkCount,
            TotalLength = (uint)Artifact.Length,
            ArtifactCrc = ArtifactCrc,
            Data = Artifact.AsSpan(offset, Math.Max(0, length)).ToArray(),
        };
    }
}

/// <summary>
/// Sends artifacts (models, later) to devices in CRC-checked chunks and resumes them: the device reports a
/// bitmap of the chunks it holds after a reconnect, a gap or the last chunk, and the host resends only the
/// missing ones; a device that says hello without a report gets every unconfirmed chunk again. Transfers
/// live in memory here; the variant registry (issue #4) keeps its artifacts in the store.
/// </summary>
public sealed class DownlinkTransfers
{
    private readonly ConcurrentDictionary<(string Device, uint Transfer), DownlinkTransfer> _transfers = new();
    private long _order;
    private readonly IFleetStore _store;
    private readonly ILogger _log;

    public DownlinkTransfers(IFleetStore store, ILogger log)
    {
        _store = store;
        _log = log;
    }

    public Func<string, byte[], CancellationToken, Task<bool>> Publish { get; set; } = (_, _, _) => Task.FromResult(false);

    /// <summary>Tags the chunks for their device (set by the host worker when it holds the master key).</summary>
    public Security.EnvelopeAuth Auth { get; set; } = Security.EnvelopeAuth.None;

    public DownlinkTransfer? Get(string deviceId, uint transferId) => _transfers.TryGetValue((deviceId, transferId), out var t) ? t : null;

    public async Task<DownlinkTransfer> StartAsync(string fleet, string deviceId, uint transferId, int contentType, byte[] artifact, int chunkBytes = 1024, CancellationToken cancellationToken = default)
    {
        if (chunkBytes is < 16 or > ChunkPayload.MaxChunkBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkBytes), $"chunks are 16 to {ChunkPayload.MaxChunkBytes} bytes");
        }

        var transfer = new DownlinkTransfer(fleet, deviceId, transferId, contentType, artifact, chunkBytes);
        transfer.Order = _transfers.TryGetValue((deviceId, transferId), out var previous) && !previous.Complete ? previous.Order : Interlocked.Increment(ref _order);
        _transfers[(deviceId, transferId)] = transfer;
        if (IsHead(transfer))
        {
            await SendMissingAsync(transfer, cancellationToken).ConfigureAwait(false);
        }

        return transfer;
    }

    /// <summary>Forgets a transfer (superseded by a newer assignment); the device's next one starts.</summary>
    public async Task CancelAsync(string deviceId, uint transferId, CancellationToken cancellationToken = default)
    {
        if (_transfers.TryRemove((deviceId, transferId), out _))
        {
            await SendHeadAsync(deviceId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The device's incomplete transfers in the order it will assemble them.</summary>
    public IReadOnlyList<DownlinkTransfer> Queue(string deviceId) =>
        _transfers.Values.Where(t => t.DeviceId == deviceId && !t.Complete).OrderBy(t => t.Order).ToList();

    // The device refuses chunks of a second transfer while one is incomplete, so only the oldest is sent.
    private bool IsHead(DownlinkTransfer transfer) =>
        !_transfers.Values.Any(t => t.DeviceId == transfer.DeviceId && !t.Complete && t.Order < transfer.Order);

    private async Task SendHeadAsync(string deviceId, CancellationToken cancellationToken)
    {
        var head = Queue(deviceId).FirstOrDefault();
        if (head != null)
        {
            await SendMissingAsync(head, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A chunk-status report arrived: mark what the device holds and resend the rest.</summary>
    public async Task OnStatusAsync(string deviceId, ChunkStatusPayload status, CancellationToken cancellationToken)
    {
        if (!_transfers.TryGetValue((deviceId, status.TransferId), out var transfer) || transfer.Complete)
        {
            return;
        }

        if (status.Count != transfer.ChunkCount)
        {
            _log.LogWarning("{Device} reports {Count} chunks for transfer {Transfer}, which has {Expected}", deviceId, status.Count, status.TransferId, transfer.ChunkCount);
            return;
        }

        transfer.LastStatusAt = DateTimeOffset.UtcNow;
        for (int i = 0; i < transfer.ChunkCount; i++)
        {
            transfer.Confirmed[i] |= status.Has(i);
        }

        if (status.Complete)
        {
            transfer.Complete = true;
            _log.LogInformation("Transfer {Transfer} to {Device} complete: {Bytes} bytes, {Sent} chunks sent for {Count}", transfer.TransferId, deviceId, transfer.Artifact.Length, transfer.ChunksSent, transfer.ChunkCount);
            await SendHeadAsync(deviceId, cancellationToken).ConfigureAwait(false);
            return;
        }

        await SendMissingAsync(transfer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Called periodically: resends chunks that a report newer than their last send still lists as
    /// missing (a report can arrive while those chunks are in flight; they get <see cref="ResendAfter"/> first).
    /// </summary>
    public async Task ResendDueAsync(CancellationToken cancellationToken)
    {
        foreach (var transfer in _transfers.Values.Where(t => !t.Complete && IsHead(t)))
        {
            await SendMissingAsync(transfer, cancellationToken, requireNewerReport: true).ConfigureAwait(false);
        }
    }

    /// <summary>A device said hello: it may have missed chunks while offline.</summary>
    public async Task OnHelloAsync(string deviceId, CancellationToken cancellationToken)
    {
        // Chunks sent just before the device connected may be lost (a first session has no queue yet): those not
        // confirmed by then are due again once ResendAfter has passed, even without a chunk-status.
        var now = DateTimeOffset.UtcNow;
        foreach (var transfer in Queue(deviceId))
        {
            transfer.LastHelloAt = now;
        }

        await SendHeadAsync(deviceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long a sent chunk counts as in flight before a report without it makes the host send it again.</summary>
    public TimeSpan ResendAfter { get; set; } = TimeSpan.FromSeconds(3);

    private async Task SendMissingAsync(DownlinkTransfer transfer, CancellationToken cancellationToken, bool requireNewerReport = false)
    {
        var now = DateTimeOffset.UtcNow;
        var news = transfer.LastStatusAt > transfer.LastHelloAt ? transfer.LastStatusAt : transfer.LastHelloAt;
        var due = Enumerable.Range(0, transfer.ChunkCount)
            .Where(i => !transfer.Confirmed[i] && now - transfer.LastSent[i] >= ResendAfter && (!requireNewerReport || news > transfer.LastSent[i]))
            .ToList();
        if (due.Count == 0)
        {
            return;
        }

        string topic = Topics.Down(transfer.Fleet, transfer.DeviceId, MessageKind.DownChunk);
        long sequence = await _store.ReserveDownlinkSequencesAsync(transfer.DeviceId, due.Count, cancellationToken).ConfigureAwait(false);
        foreach (int i in due)
        {
            var envelope = new Message(MessageKind.DownChunk, transfer.DeviceId, (uint)sequence++, (uint)now.ToUnixTimeSeconds(), transfer.Chunk(i).Encode());
            if (!await Publish(topic, Auth.Encode(envelope), cancellationToken).ConfigureAwait(false))
            {
                return; // Broker gone: the next hello or status resumes from here.
            }

            transfer.LastSent[i] = now;
            transfer.ChunksSent++;
        }
    }
}
