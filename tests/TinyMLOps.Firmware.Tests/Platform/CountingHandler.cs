using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Tests.Platform;

/// <summary>A command handler that counts its runs and answers ok with "run N".</summary>
internal sealed class CountingHandler : ICommandHandler
{
    public int Runs { get; private set; }

    public int Handle(CommandPayload command, out string detail)
    {
        Runs++;
        detail = "run " + Runs;
        return CommandResultPayload.Ok;
    }
}
