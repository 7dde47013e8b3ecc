using TinyMLOps.Firmware.Core.Platform;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>
    /// One <see cref="ModelSlots"/> per role: "plugged-slot-a.tmlm", "plugged-slot-b.tmlm", "plugged-slots.rec"
    /// (+ ".bak") and the same with "battery-". Each role keeps its own A/B pair, so staging, activating and
    /// rolling back one role never touches the other's files, and each role has its own previous model. That
    /// costs four model files of flash at most (a role holds one or two); a shared rollback slot would save one
    /// file but tie the roles' updates together. When a role has no model yet, <see cref="Resolve"/> lends it
    /// the other role's, so a device with one verified model always has something to run.
    /// </summary>
    public sealed class VariantStore
    {
        public const string PluggedPrefix = "plugged-";
        public const string BatteryPrefix = "battery-";

        private readonly ModelSlots _plugged;
        private readonly ModelSlots _battery;

        public VariantStore(IStorage storage, byte[] deviceKey)
            : this(storage, deviceKey, null)
        {
        }

        /// <summary>With a cipher the slots take sealed artifacts too (see <see cref="ModelSlots"/>).</summary>
        public VariantStore(IStorage storage, byte[] deviceKey, IBlockCipher cipher)
            : this(storage, deviceKey, cipher, false)
        {
        }

        /// <param name="requireSealed">Both roles refuse plain artifacts (see <see cref="ArtifactVerifier.RequireSealed"/>).</param>
        public VariantStore(IStorage storage, byte[] deviceKey, IBlockCipher cipher, bool requireSealed)
        {
            _plugged = new ModelSlots(storage, deviceKey, PluggedPrefix, cipher, requireSealed);
            _battery = new ModelSlots(storage, deviceKey, BatteryPrefix, cipher, requireSealed);
        }

        /// <summary>The slots of a <see cref="ModelRole"/>.</summary>
        public ModelSlots Slots(ModelRole role)
        {
            if (role == ModelRole.Plugged)
            {
                return _plugged;
            }

            if (role == ModelRole.Battery)
            {
                return _battery;
            }

            throw new System.ArgumentOutOfRangeException("role", "no model slots for role " + ModelRoles.Name(role));
        }

        /// <summary>The role whose model serves this role: itself when it has one, else the other, else <see cref="ModelRole.None"/>.</summary>
        public ModelRole Resolve(ModelRole role)
        {
            if (Slots(role).HasActive)
            {
                return role;
            }

            ModelRole other = ModelRoles.Other(role);
            return Slots(other).HasActive ? other : ModelRole.None;
        }

        /// <summary>The verified model bytes that serve a role (see <see cref="Resolve"/>), or null.</summary>
        public byte[] ReadModel(ModelRole role)
        {
            ModelRole serving = Resolve(role);
            if (serving == ModelRole.None)
            {
                return null;
            }

            byte[] model = Slots(serving).ReadActive();
            if (model == null && serving == role)
            {
                // The role's own model stopped verifying since open: lend the other role's.
                model = Slots(ModelRoles.Other(role)).ReadActive();
            }

            return model;
        }
    }
}
