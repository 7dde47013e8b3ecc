using System.Diagnostics;

namespace TinyMLOps.Simulation.Benchmarks;

/// <summary>One route under closed-loop load: how many requests it answered, how fast, and how many failed.</summary>
public sealed record HttpLoadResult(string Route, int Concurrency, long Requests, long Errors, TimeSpan Elapsed, double P50Milliseconds, double P99Milliseconds, double MaxMilliseconds)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;
}

/// <summary>
/// Closed-loop HTTP load: <c>concurrency</c> clients each send a request as soon as the previous answer is read, for a
/// fixed time. Latency is per request, from send to the last byte of the body.
/// </summary>
public static class HttpLoad
{
    public static async Task<HttpLoadResult> RunAsync(HttpClient client, string route, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        // Warm the route (connection, JIT) outside the measurement.
        using (HttpResponseMessage warm = await client.GetAsync(route, cancellationToken).ConfigureAwait(false))
        {
            await warm.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        long errors = 0;
        var latencies = new List<double>[concurrency];
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
        {
            var mine = latencies[w] = new List<double>(4096);
            workers[w] = Task.Run(
                async () =>
                {
                    while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
                    {
                        long start = Stopwatch.GetTimestamp();
                        using HttpResponseMessage response = await client.GetAsync(route, cancellationToken).ConfigureAwait(false);
                        await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                },
                cancellationToken);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        TimeSpan elapsed = clock.Elapsed;
        double[] all = latencies.SelectMany(l => l).Order().ToArray();
        return new HttpLoadResult(route, concurrency, all.Length, errors, elapsed, Percentile(all, 0.50), Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1]);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
