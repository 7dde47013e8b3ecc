namespace TinyMLOps.Firmware.Core.Metering
{
    /// <summary>What <see cref="DeviceMeter.Decide(string)"/> answers before an inference (<see cref="MeterDecisions"/> reads it).</summary>
    public enum MeterDecision
    {
        /// <summary>Run it: within a token's allowance, or metered without a quota.</summary>
        Allow = 0,

        /// <summary>Run it beyond the allowance; the receipt carries it as grace, billed later.</summary>
        AllowOnGrace = 1,

        /// <summary>Run the free variant instead; it is not billed, so it is not counted.</summary>
        UseFreeVariant = 2,

        /// <summary>Do not run it.</summary>
        Refuse = 3,
    }
}
