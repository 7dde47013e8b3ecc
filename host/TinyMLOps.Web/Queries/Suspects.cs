using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Contracts;

namespace TinyMLOps.Web.Queries;

/// <summary>`meter suspects|clear-suspect` and the suspect routes: the extraction suspects, and clearing one's flag.</summary>
public static class Suspects
{
    /// <summary>Flagged and cleared devices; every evaluated one with <paramref name="all"/>.</summary>
    public static async Task<IReadOnlyList<SuspectJson>> ListAsync(IFleetStore store, bool all, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return [.. (await store.ExtractionSuspectsAsync(cancellationToken).ConfigureAwait(false)).Where(s => all || s.State != SuspectStates.Normal).Select(SuspectJson.Of)];
    }

    /// <summary>Clears the device's flag with the operator's note and returns the suspect as it is now.</summary>
    /// <exception cref="ArgumentException">No note.</exception>
    /// <exception cref="InvalidOperationException">The device is not flagged.</exception>
    public static async Task<SuspectJson> ClearAsync(IFleetStore store, string deviceId, string? note, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (string.IsNullOrWhiteSpace(note))
        {
            throw new ArgumentException("a note is required: why the device is trusted again");
        }

        if (!await store.ClearExtractionSuspectAsync(deviceId, note, at, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"device '{deviceId}' is not flagged as an extraction suspect");
        }

        return SuspectJson.Of((await store.GetExtractionSuspectAsync(deviceId, cancellationToken).ConfigureAwait(false))!);
    }
}
