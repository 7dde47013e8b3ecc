namespace TinyMLOps.Fleet.Metering;

/// <summary>How patient the ledger is with missing receipts, and how much it verifies per pass.</summary>
public sealed record LedgerOptions
{
    /// <summary>
    /// How long a receipt held behind a missing one waits before the missing ones are declared a gap (and only once
    /// the device has sent a newer message). Outbox resends after a reconnect arrive within seconds to minutes.
    /// </summary>
    public TimeSpan GapGrace { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Receipt messages verified per pass and transaction.</summary>
    public int BatchSize { get; init; } = 1000;
}
