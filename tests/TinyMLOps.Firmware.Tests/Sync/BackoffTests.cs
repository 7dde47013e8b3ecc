using TinyMLOps.Firmware.Core.Sync;

namespace TinyMLOps.Firmware.Tests.Sync;

public class BackoffTests
{
    [Fact]
    public void Full_jitter_stays_under_a_ceiling_that_doubles_up_to_the_maximum()
    {
        var backoff = new Backoff(1000, 60000, new Random(3), Backoff.FullJitter);
        int[] ceilings = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
        foreach (int ceiling in ceilings)
        {
            Assert.Equal(ceiling, backoff.CeilingMillis);
            Assert.InRange(backoff.NextDelayMillis(), 0, ceiling);
        }
    }

    [Fact]
    public void Full_jitter_delays_grow_on_average_and_are_spread()
    {
        var means = new double[6];
        var distinct = new HashSet<int>();
        var random = new Random(11);
        for (int run = 0; run < 400; run++)
        {
            var backoff = new Backoff(1000, 1_000_000, random, Backoff.FullJitter);
            for (int attempt = 0; attempt < means.Length; attempt++)
            {
                int delay = backoff.NextDelayMillis();
                means[attempt] += delay / 400.0;
                distinct.Add(delay);
            }
        }

        for (int attempt = 1; attempt < means.Length; attempt++)
        {
            Assert.InRange(means[attempt] / means[attempt - 1], 1.6, 2.4);
        }

        Assert.True(distinct.Count > 1000);
    }

    [Fact]
    public void Decorrelated_jitter_stays_between_the_initial_delay_and_three_times_the_last()
    {
        var backoff = new Backoff(500, 20000, new Random(5), Backoff.DecorrelatedJitter);
        int previous = backoff.NextDelayMillis();
        Assert.Equal(500, previous);
        for (int i = 0; i < 200; i++)
        {
            int delay = backoff.NextDelayMillis();
            Assert.InRange(delay, 500, Math.Min(20000, previous * 3));
            previous = delay;
        }
    }

    [Fact]
    public void Reset_after_a_success_starts_over_from_the_initial_delay()
    {
        var backoff = new Backoff(1000, 300000, new Random(1), Backoff.FullJitter);
        for (int i = 0; i < 10; i++)
        {
            backoff.NextDelayMillis();
        }

        Assert.Equal(300000, backoff.CeilingMillis);
        backoff.Reset();
        Assert.Equal(0, backoff.Attempts);
        Assert.Equal(1000, backoff.CeilingMillis);
        Assert.InRange(backoff.NextDelayMillis(), 0, 1000);
    }
}
