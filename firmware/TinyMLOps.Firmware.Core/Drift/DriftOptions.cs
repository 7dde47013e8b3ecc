namespace TinyMLOps.Firmware.Core.Drift
{
    /// <summary>Tunables of the on-device drift monitor (docs/protocol.md, drift).</summary>
    public sealed class DriftOptions
    {
        /// <summary>
        /// Local differential privacy of the uploaded counts: Laplace noise of scale (F + 2) / epsilon per count.
        /// At 8 the class and confidence histograms of a 300-sample window stay usable (their PSI on noised counts is
        /// over 0.2 in about 3% of unshifted windows, 0.2% at 600 samples); the scores and the local alarm use the raw
        /// window and do not depend on it.
        /// </summary>
        public const float DefaultEpsilon = 8f;

        /// <summary>A window ends after this long (device uptime), once it has <see cref="MinCount"/> samples.</summary>
        public int WindowSeconds = 3600;

        /// <summary>A window is held back (keeps accumulating) until it has this many samples; the alarm waits for it too.</summary>
        public int MinCount = 200;

        /// <summary>0 disables the noise.</summary>
        public float Epsilon = DefaultEpsilon;

        /// <summary>PSI alarm threshold times 1000; 0 takes the profile's (0.2 unless the profile says otherwise).</summary>
        public int AlarmPsiMilli;
    }
}
