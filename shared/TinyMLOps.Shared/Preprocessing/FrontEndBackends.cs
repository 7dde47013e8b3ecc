namespace TinyMLOps.Shared.Preprocessing
{
    /// <summary>
    /// The front-end backend new MFCC and spectral front-ends take when they are built (at model load): null (the C#
    /// front-ends) unless the firmware installed one at start-up, like <see cref="Kernels.KernelBackends"/>.
    /// </summary>
    public static class FrontEndBackends
    {
        private static IFrontEndBackend _default;

        public static IFrontEndBackend Default
        {
            get { return _default; }
            set { _default = value; }
        }
    }
}
