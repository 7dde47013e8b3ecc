using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Fleet.Sync;

/// <summary>The state of one chunked uplink transfer as the store holds it.</summary>
public sealed record UplinkTransfer(string DeviceId, uint TransferId, int ContentType, int ChunkCount, int ChunksStored, uint TotalLength, byte[]? Artifact)
{
    public bool Complete => Artifact != null;
}

/// <summary>
/// Reassembles chunked uplink artifacts (deltas, logs) from the stored chunk messages. Chunks arrive in
/// any order and more than once; the store keeps each sequence once, and the artifact is accepted only
/// when every index is there, the length matches and its CRC-32 is the one every chunk announced.
/// </summary>
public static class UplinkTransfers
{
    public static async Task<IReadOnlyList<UplinkTransfer>> ListAsync(IFleetStore store, string deviceId, CancellationToken cancellationToken = default)
    {
        var messages = await store.MessagesAsync(deviceId, MessageKind.Chunk, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var result = new List<UplinkTransfer>();
        foreach (var transfer in messages.Select(m => ChunkPayload.Decode(m.Payload)).GroupBy(c => c.TransferId))
        {
            var first = transfer.First();
            var chunks = new ChunkPayload?[first.Count];
            bool consistent = true;
            foreach (var c in transfer)
            {
                consistent &= c.Count == first.Count && c.TotalLength == first.TotalLength && c.ArtifactCrc == first.ArtifactCrc;
                chunks[c.Index] = c;
            }

            int stored = chunks.Count(c => c != null);
            byte[]? artifact = null;
            if (consistent && stored == first.Count)
            {
                byte[] bytes = chunks.SelectMany(c => c!.Data).ToArray();
                if (bytes.Length == first.TotalLength && Crc32.Compute(bytes, 0, bytes.Length) == first.ArtifactCrc)
                {
                    artifact = bytes;
                }
            }

            result.Add(new UplinkTransfer(deviceId, first.TransferId, first.ContentType, first.Count, stored, first.TotalLength, artifact));
        }

        return result;
    }
}
