namespace TinyMLOps.Fleet.Metering;

/// <summary>
/// Why the ledger classified a usage receipt as it did. Failures are never billed; the serious ones flag the device.
/// <see cref="Reordered"/>, <see cref="LateFill"/>, <see cref="RangeGap"/>, <see cref="WindowRegression"/> and <see cref="RecoveredOverlap"/> annotate receipts that were billed.
/// Stored by name (<see cref="Enum.ToString()"/>).
/// </summary>
public enum ReceiptReason
{
    /// <summary>Verified in order.</summary>
    None,

    /// <summary>The payload does not decode (truncated, bad field, trailing bytes).</summary>
    Malformed,

    /// <summary>The receipt names another device than the one that sent it (a copied receipt).</summary>
    WrongDevice,

    /// <summary>The tag is not the device key's tag of the body: forged or altered.</summary>
    BadTag,

    /// <summary>The same receipt, byte for byte, again: recorded once more, billed once.</summary>
    Replay,

    /// <summary>A second, different receipt with a valid tag at a chain position already taken.</summary>
    Fork,

    /// <summary>Arrived ahead of a missing earlier receipt: held until the gap fills.</summary>
    Reordered,

    /// <summary>Receipts still missing after the device sent newer messages and the grace passed; the chain resumes after them.</summary>
    Gap,

    /// <summary>Arrived after its gap was declared, placed by the hash links of its chain neighbours.</summary>
    LateFill,

    /// <summary>A receipt that names another previous hash than the hash of the receipt before it.</summary>
    ChainBroken,

    /// <summary>The counter range starts inside a range already claimed for the model.</summary>
    Overlap,

    /// <summary>The counter range starts at or below the start of the model's last billed range: the counter went back.</summary>
    CounterRollback,

    /// <summary>The counter range starts past the model's last claimed value: counts never receipted (billed range is fine).</summary>
    RangeGap,

    /// <summary>
    /// Within one boot, the window starts before the previous receipt's of the same model (a range cut after a planned
    /// restart, or a clock that went back). Its counter range continues the billed one, so it is billed; a finding.
    /// </summary>
    WindowRegression,

    /// <summary>Arrived for a chain position the ledger passed without it, outside any open gap.</summary>
    Late,

    /// <summary>
    /// A Recovered receipt (a block taken as used at a restart) whose window starts before the previous receipt's in
    /// the same boot: its start is a lower bound. Its counter range continues the billed one, so it is billed; a finding.
    /// </summary>
    RecoveredOverlap,
}

/// <summary>Severity of the reasons.</summary>
public static class ReceiptReasons
{
    /// <summary>Findings that flag the device: its later receipts are untrusted until an operator clears the flag.</summary>
    public static bool IsSerious(ReceiptReason reason) =>
        reason is ReceiptReason.BadTag or ReceiptReason.Fork or ReceiptReason.ChainBroken or ReceiptReason.CounterRollback or ReceiptReason.Overlap;

    public static ReceiptReason Parse(string name) => Enum.TryParse(name, out ReceiptReason r) ? r : ReceiptReason.None;
}
