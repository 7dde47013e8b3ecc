namespace TinyMLOps.Firmware.Core.Models
{
    /// <summary>The two model roles of a device; the numbers are the ones a switch report carries.</summary>
    public static class ModelRole
    {
        public const int None = -1;

        /// <summary>The full model, for when external power is present.</summary>
        public const int Plugged = 0;

        /// <summary>The frugal model, for battery operation.</summary>
        public const int Battery = 1;

        public static string Name(int role)
        {
            switch (role)
            {
                case Plugged: return "plugged";
                case Battery: return "battery";
                case None: return "none";
                default: return "role-" + role;
            }
        }
    }
}
