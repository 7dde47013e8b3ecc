namespace TinyMLOps.Shared.Protocol
{
    /// <summary>
    /// The model roles of a device, numbered as the wire carries them (the role fields of the variant, health and
    /// round payloads, docs/protocol.md); the device uses the same numbers. <see cref="ModelRoles"/> names them and
    /// indexes per-role arrays.
    /// </summary>
    public enum ModelRole
    {
        /// <summary>No role: a model outside the role slots, or no model yet.</summary>
        None = 0,

        /// <summary>The full model, for when external power is present.</summary>
        Plugged = 1,

        /// <summary>The frugal model, for battery operation.</summary>
        Battery = 2,
    }
}
