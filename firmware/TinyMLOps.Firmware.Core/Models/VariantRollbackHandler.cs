using TinyMLOps.Firmware.Core.Commands;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>The <see cref="VariantRollback.CommandName"/> command, handed to <see cref="VariantManager.RollBack"/>.</summary>
    public sealed class VariantRollbackHandler : ICommandHandler
    {
        private readonly VariantManager _variants;

        public VariantRollbackHandler(VariantManager variants)
        {
            _variants = variants;
        }

        public int Handle(CommandPayload command, out string detail)
        {
            VariantRollback rollback;
            try
            {
                rollback = VariantRollback.Decode(command.Arguments);
            }
            catch (ProtocolException e)
            {
                detail = e.Message;
                return CommandResultPayload.Refused;
            }

            return _variants.RollBack(rollback, out detail);
        }
    }
}
