// Declaration-only facade of nanoFramework mscorlib 1.17: System.Random (reconnect jitter, sampling).

namespace System
{
    public class Random
    {
        public Random()
        {
        }

        public Random(int seed)
        {
        }

        public virtual int Next()
        {
            throw null;
        }

        public virtual int Next(int maxValue)
        {
            throw null;
        }

        public virtual double NextDouble()
        {
            throw null;
        }

        public virtual void NextBytes(byte[] buffer)
        {
        }
    }
}
