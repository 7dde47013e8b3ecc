namespace TinyMLOps.Shared.Protocol
{
    /// <summary>Where the board's power comes from; the numbers are the ones on the wire.</summary>
    public static class PowerSource
    {
        public const int Unknown = 0;
        public const int Battery = 1;
        public const int External = 2;
    }
}
