using Microsoft.Extensions.Logging;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Fleet.Sync;

/// <summary>
/// Sends queued commands to a device when it says hello (it is online and subscribed) and again, after
/// the resend interval the worker gives it, to devices that have not answered. Downlink sequences
/// come from the store, so several workers never reuse one.
/// </summary>
public sealed class CommandSender
{
    private readonly IFleetStore _store;
    private readonly ILogger _log;
    private readonly TimeSpan _resendAfter;

    public CommandSender(IFleetStore store, ILogger log, TimeSpan resendAfter)
    {
        _store = store;
        _log = log;
        _resendAfter = resendAfter;
    }

    public Func<string, byte[], CancellationToken, Task<bool>> Publish { get; set; } = (_, _, _) => Task.FromResult(false);

    /// <summary>Tags the commands for their device (set by the host worker when it holds the master key).</summary>
    public Security.EnvelopeAuth Auth { get; set; } = Security.EnvelopeAuth.None;

    public async Task<int> SendPendingAsync(string fleet, string deviceId, bool force, CancellationToken cancellationToken)
    {
        int sent = 0;
        var now = DateTimeOffset.UtcNow;
        foreach (var command in await _store.PendingCommandsAsync(deviceId, cancellationToken).ConfigureAwait(false))
        {
            if (!force && command.SentAt != null && now - command.SentAt < _resendAfter)
            {
                continue;
            }

            var payload = new CommandPayload { CommandId = (uint)command.CommandId, Name = command.Name, Arguments = command.Arguments };
            long sequence = await _store.NextDownlinkSequenceAsync(deviceId, cancellationToken).ConfigureAwait(false);
            var envelope = new Message(MessageKind.Command, deviceId, (uint)sequence, (uint)now.ToUnixTimeSeconds(), payload.Encode());
            if (await Publish(Topics.Down(fleet, deviceId, MessageKind.Command), Auth.Encode(envelope), cancellationToken).ConfigureAwait(false))
            {
                await _store.MarkCommandSentAsync(command.CommandId, now, cancellationToken).ConfigureAwait(false);
                _log.LogInformation("Sent command {CommandId} {Name} to {Device}", command.CommandId, command.Name, deviceId);
                sent++;
            }
        }

        return sent;
    }
}
