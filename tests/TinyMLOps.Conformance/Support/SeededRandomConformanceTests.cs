using System;
using nanoFramework.TestFramework;

namespace TinyMLOps.Conformance.Support
{
    /// <summary>
    /// The seeded Random the drift, delta and trainer tests hand to device code: its overrides must be what a call
    /// through a plain <see cref="Random"/> reaches on both runtimes, or those tests would compare different draws.
    /// </summary>
    [TestClass]
    public class SeededRandomConformanceTests
    {
        [TestMethod]
        public void A_seeded_random_gives_the_same_draws_through_a_Random_reference_on_both_runtimes()
        {
            Random random = new SeededRandom(42);
            int[] expected = new int[] { Golden.NextA, Golden.NextB, Golden.NextC, Golden.NextD };
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i], random.Next(1000), "Next(1000) draw " + i);
            }

            Assert.AreEqual(Golden.NextDouble, random.NextDouble(), "NextDouble");
            Assert.AreEqual(Golden.Next, random.Next(), "Next()");
            byte[] bytes = new byte[4];
            random.NextBytes(bytes);
            Assert.AreEqual(Golden.Bytes, (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3], "NextBytes");
        }

        [TestMethod]
        public void Seeded_draws_stay_in_their_ranges_and_cover_them()
        {
            Random random = new SeededRandom(7);
            int[] seen = new int[7];
            double low = 1;
            double high = 0;
            for (int i = 0; i < 700; i++)
            {
                int v = random.Next(7);
                Assert.IsTrue(v >= 0 && v < 7, "Next(7) gave " + v);
                seen[v]++;
                Assert.AreEqual(0, random.Next(1), "Next(1)");
                double d = random.NextDouble();
                Assert.IsTrue(d >= 0 && d < 1, "NextDouble gave " + d.ToString());
                low = d < low ? d : low;
                high = d > high ? d : high;
                Assert.IsTrue(random.Next() >= 0, "Next() is not negative");
            }

            for (int v = 0; v < 7; v++)
            {
                Assert.IsTrue(seen[v] > 70, "value " + v + " drawn " + seen[v] + " times in 700");
            }

            Assert.IsTrue(low < 0.01 && high > 0.99, "NextDouble spans [0, 1): " + low.ToString() + " .. " + high.ToString());
        }

        [TestMethod]
        public void Two_seeded_randoms_with_one_seed_agree_and_another_seed_differs()
        {
            Random a = new SeededRandom(3);
            Random b = new SeededRandom(3);
            Random c = new SeededRandom(4);
            int differ = 0;
            for (int i = 0; i < 50; i++)
            {
                int x = a.Next(1 << 20);
                Assert.AreEqual(x, b.Next(1 << 20), "same seed, draw " + i);
                if (x != c.Next(1 << 20))
                {
                    differ++;
                }
            }

            Assert.IsTrue(differ > 45, "another seed repeats the sequence: " + differ + " of 50 differ");
        }

        private static class Golden
        {
            // Computed outside both runtimes from the xorshift (seed 42): floor(draw * 1000 / 2^32), then draw >> 8 over 2^24, draw >> 1,
            // and the top bytes of four draws.
            public const int NextA = 706;
            public const int NextB = 288;
            public const int NextC = 688;
            public const int NextD = 866;
            public const double NextDouble = 16116939 / 16777216.0;
            public const int Next = 2123848244;
            public const int Bytes = 1594471148;
        }
    }
}
