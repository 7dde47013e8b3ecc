namespace TinyMLOps.Firmware.Core.App
{
    /// <summary>What <see cref="DeviceRuntime.Infer"/> did with a sample.</summary>
    public enum InferenceOutcome
    {
        /// <summary>No model is loaded.</summary>
        NoModel = 0,

        /// <summary>The model ran and the inference was counted.</summary>
        Ran = 1,

        /// <summary>The allowance ran out under the fallback policy: the free variant ran, not counted.</summary>
        Free = 2,

        /// <summary>The meter refused the inference (no token, or the allowance used up under the refuse policy).</summary>
        Refused = 3,

        /// <summary>The inference failed (counted, and recorded as an error in the model-health window).</summary>
        Failed = 4,
    }
}
