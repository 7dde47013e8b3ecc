namespace TinyMLOps.Shared.Kernels
{
    /// <summary>
    /// The kernel backend new interpreters use when none is given: null (the C# kernels) unless the firmware or the
    /// host installed one at start-up. Chosen once, before the first model loads.
    /// </summary>
    public static class KernelBackends
    {
        private static IKernelBackend _default;

        public static IKernelBackend Default
        {
            get { return _default; }
            set { _default = value; }
        }

        /// <summary>The name hello reports: the backend's, or "managed" for the C# kernels.</summary>
        public static string NameOf(IKernelBackend backend)
        {
            return backend == null ? "managed" : backend.Name;
        }
    }
}
