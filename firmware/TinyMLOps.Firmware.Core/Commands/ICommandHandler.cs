using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Commands
{
    /// <summary>Runs one named host command.</summary>
    public interface ICommandHandler
    {
        /// <summary>Returns a <see cref="CommandResultPayload"/> status; detail goes back to the host.</summary>
        int Handle(CommandPayload command, out string detail);
    }
}
