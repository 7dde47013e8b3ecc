namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>What a <see cref="MeterDecision"/> means for the inference, and its name (an enum prints as its number on nanoFramework).</summary>
    public static class MeterDecisions
    {
        /// <summary>True when the metered model runs (and is counted): allow, or allow on grace.</summary>
        public static bool Runs(MeterDecision decision)
        {
            return decision == MeterDecision.Allow || decision == MeterDecision.AllowOnGrace;
        }

        public static string Name(MeterDecision decision)
        {
            switch (decision)
            {
                case MeterDecision.Allow: return "allow";
                case MeterDecision.AllowOnGrace: return "allow-on-grace";
                case MeterDecision.UseFreeVariant: return "use-free-variant";
                case MeterDecision.Refuse: return "refuse";
                default: return "decision-" + (int)decision;
            }
        }
    }
}
