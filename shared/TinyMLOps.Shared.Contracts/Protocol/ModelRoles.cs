namespace TinyMLOps.Shared.Protocol
{
    /// <summary>Names of the <see cref="ModelRole"/> values, and the one place where a role becomes an array index.</summary>
    public static class ModelRoles
    {
        /// <summary>Roles with a model slot: plugged and battery.</summary>
        public const int Count = 2;

        /// <summary>True for a role with a model slot (the wire values 1 and 2).</summary>
        public static bool IsSlot(int wireRole)
        {
            return wireRole == (int)ModelRole.Plugged || wireRole == (int)ModelRole.Battery;
        }

        /// <summary>The index of a slot role in per-role arrays: plugged 0, battery 1 (the hello's installed section uses this order).</summary>
        public static int Index(ModelRole role)
        {
            return (int)role - (int)ModelRole.Plugged;
        }

        /// <summary>The other slot role.</summary>
        public static ModelRole Other(ModelRole role)
        {
            return role == ModelRole.Plugged ? ModelRole.Battery : ModelRole.Plugged;
        }

        // Spelled out: on nanoFramework an enum's ToString is its number (on .NET its name), and logs print these.
        public static string Name(ModelRole role)
        {
            switch (role)
            {
                case ModelRole.Plugged: return "plugged";
                case ModelRole.Battery: return "battery";
                case ModelRole.None: return "none";
                default: return "role-" + (int)role;
            }
        }
    }
}
