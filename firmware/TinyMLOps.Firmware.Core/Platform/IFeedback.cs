namespace TinyMLOps.Firmware.Core.Platform
{
    /// <summary>
    /// The label source of on-device learning: a user's correction or confirmation of the sample just classified
    /// (a button, an app); the virtual board simulates it from its data set's labels.
    /// </summary>
    public interface IFeedback
    {
        /// <summary>The true class of the sample just classified, when the user gave one; false when there is none.</summary>
        bool TryTakeLabel(out int label);
    }
}
