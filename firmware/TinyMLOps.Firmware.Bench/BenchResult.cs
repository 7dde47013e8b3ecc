#nullable disable
namespace TinyMLOps.Firmware.Bench
{
    /// <summary>One measurement: what ran, its MACs per run, how many timed runs, and their total time.</summary>
    public sealed class BenchResult
    {
        public string Name;
        public long Macs;
        public int Iterations;

        /// <summary>Elapsed time of all timed runs, in 100 ns ticks (DateTime ticks).</summary>
        public long Ticks;

        /// <summary>The last output's arg max: printed so that no runtime can drop the work.</summary>
        public int Check;

        /// <summary>The machine-readable line: bench,NAME,MACS,ITERATIONS,TICKS,CHECK.</summary>
        public string ToLine()
        {
            return "bench," + Name + "," + Macs.ToString() + "," + Iterations.ToString() + "," + Ticks.ToString() + "," + Check.ToString();
        }
    }
}
