using System.Security.Cryptography;
using System.Text;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Fleet.Rollouts;

/// <summary>
/// Who a rollout reaches: devices of its fleet and board (when set), and of its tag-expression cohort (chosen by
/// <see cref="Devices.DeviceDirectory.CohortAsync"/>), whose bucket is below the stage's percentage.
/// A device's bucket is a hash of the rollout id and device id, so each rollout samples its own devices and a
/// device, once in, stays in as the percentage grows.
/// </summary>
public static class RolloutCohort
{
    public static int Bucket(long rolloutId, string deviceId)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{rolloutId}/{deviceId}"));
        return (int)(BitConverter.ToUInt32(hash, 0) % 100);
    }

    public static bool Matches(RolloutRecord rollout, DeviceRecord device) =>
        (rollout.Fleet == null || rollout.Fleet == device.Fleet) && (rollout.Board == null || rollout.Board == device.Board);

    public static bool Targets(RolloutRecord rollout, DeviceRecord device) =>
        Matches(rollout, device) && Bucket(rollout.RolloutId, device.DeviceId) < rollout.Percent;

    /// <summary>Parses "10,50,100": ascending percentages from 1 to 100, ending at 100.</summary>
    public static IReadOnlyList<int> ParseStages(string stages)
    {
        var parsed = new List<int>();
        foreach (string part in stages.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part.TrimEnd('%'), out int p) || p < 1 || p > 100 || (parsed.Count > 0 && p <= parsed[^1]))
            {
                throw new ArgumentException($"stages \"{stages}\": each is a percentage 1-100, ascending (\"10,50,100\")");
            }

            parsed.Add(p);
        }

        if (parsed.Count == 0 || parsed[^1] != 100)
        {
            throw new ArgumentException($"stages \"{stages}\" must end at 100");
        }

        return parsed;
    }

    /// <summary>The stage after the current percentage, or null at the last.</summary>
    public static int? NextStage(RolloutRecord rollout) =>
        ParseStages(rollout.Stages).Cast<int?>().FirstOrDefault(p => p > rollout.Percent);
}
