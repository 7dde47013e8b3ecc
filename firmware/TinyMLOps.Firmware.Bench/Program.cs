using System;

namespace TinyMLOps.Firmware.Bench
{
    /// <summary>
    /// The interpreter benchmark (docs/benchmarks.md, "The interpreter's real cost"): one line per measurement,
    /// bench,NAME,MACS,ITERATIONS,TICKS,CHECK (TICKS in 100 ns), readable on a serial console too. `tinymlops bench
    /// nanoclr` runs it on the host's nanoCLR; deployed from Visual Studio it runs on a board (docs/firmware.md).
    /// </summary>
    public static class Program
    {
        // Two and a half seconds per item in ten rounds (at least one timed run per round, even on a board): long enough to be stable on the host.
        private const long BudgetTicks = 25000000;

        public static void Main()
        {
            try
            {
                Console.WriteLine("bench-start,items=" + BenchSuite.Count.ToString() + ",budget-ticks=" + BudgetTicks.ToString());
                BenchSuite suite = new BenchSuite();
                for (int i = 0; i < BenchSuite.Count; i++)
                {
                    Console.WriteLine(suite.Measure(i, BudgetTicks).ToLine());
                }

                Console.WriteLine("bench-end");
            }
            catch (Exception e)
            {
                // An unhandled exception ends nanoCLR silently: say what happened.
                Console.WriteLine("bench-error," + e.ToString());
            }
        }
    }
}
