namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>What <see cref="DeviceMeter.Decide(string)"/> answers before an inference.</summary>
    public static class MeterDecision
    {
        /// <summary>Run it: within a token's allowance, or metered without a quota.</summary>
        public const int Allow = 0;

        /// <summary>Run it beyond the allowance; the receipt carries it as grace, billed later.</summary>
        public const int AllowOnGrace = 1;

        /// <summary>Run the free variant instead; it is not billed, so it is not counted.</summary>
        public const int UseFreeVariant = 2;

        /// <summary>Do not run it.</summary>
        public const int Refuse = 3;

        public static bool Runs(int decision)
        {
            return decision == Allow || decision == AllowOnGrace;
        }

        public static string Name(int decision)
        {
            switch (decision)
            {
                case Allow: return "allow";
                case AllowOnGrace: return "allow-on-grace";
                case UseFreeVariant: return "use-free-variant";
                case Refuse: return "refuse";
                default: return "decision-" + decision;
            }
        }
    }
}
