using TinyMLOps.Firmware.Core.Platform;

namespace TinyMLOps.Simulation.VirtualBoards;

/// <summary>Simulated time shared by a virtual fleet; each board sees uptime since its own (re)boot.</summary>
public sealed class SimClock
{
    private long _millis;

    public SimClock(DateTimeOffset start)
    {
        Start = start;
    }

    public DateTimeOffset Start { get; }

    public long Millis => Interlocked.Read(ref _millis);

    public DateTimeOffset Now => Start.AddMilliseconds(Millis);

    public void Advance(TimeSpan step) => Interlocked.Add(ref _millis, (long)step.TotalMilliseconds);

    /// <summary>The clock a board sees, with uptime counted from <paramref name="bootMillis"/>.</summary>
    public IClock ForBoard(Func<long> bootMillis) => new BoardClock(this, bootMillis);

    private sealed class BoardClock(SimClock clock, Func<long> bootMillis) : IClock
    {
        public long UptimeMillis => clock.Millis - bootMillis();

        public uint UnixSeconds => (uint)clock.Now.ToUnixTimeSeconds();
    }
}
