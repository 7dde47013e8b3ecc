namespace TinyMLOps.Fleet.Webhooks;

/// <summary>How the dispatcher posts and retries.</summary>
public sealed record WebhookDispatcherOptions
{
    /// <summary>Wait after failed attempt n (1-based) before attempt n + 1; the last entry repeats.</summary>
    public IReadOnlyList<TimeSpan> Backoff { get; init; } =
        [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6)];

    /// <summary>Attempts before a delivery is given up as failed.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>Each wait is stretched or shrunk by up to this share at random, so receivers that were down are not hit all at once.</summary>
    public double Jitter { get; init; } = 0.2;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How much of a response body is read (for the delivery log); the rest is dropped.</summary>
    public int MaxResponseBytes { get; init; } = 4096;

    /// <summary>Deliveries claimed and posted at once.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>How long a claimed delivery stays with this worker; past it another worker may take it (a crashed worker's).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the outbox is polled when there was nothing to send.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The wait after failed attempt <paramref name="attempt"/>, jittered with <paramref name="random"/> in [0, 1).</summary>
    public TimeSpan Delay(int attempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var basis = Backoff[Math.Min(attempt, Backoff.Count) - 1];
        return basis * (1 + (Jitter * ((2 * random) - 1)));
    }
}
