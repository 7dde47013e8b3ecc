namespace TinyMLOps.Fleet.Rollouts;

/// <summary>States of a rollout, as stored.</summary>
public static class RolloutStates
{
    public const string Active = "active";

    /// <summary>Held by an operator: no new devices, no stage advance, no health verdict; resume continues.</summary>
    public const string Paused = "paused";
    public const string RollingBack = "rolling-back";
    public const string RolledBack = "rolled-back";
    public const string Completed = "completed";

    /// <summary>Stopped by an operator without rolling back: devices keep what they installed, pending transfers are cancelled.</summary>
    public const string Aborted = "aborted";
}

/// <summary>States of one device in a rollout, as stored.</summary>
public static class RolloutDeviceStates
{
    /// <summary>Command queued and transfer started; waiting for the device's install report.</summary>
    public const string Assigned = "assigned";
    public const string Installed = "installed";

    /// <summary>The device refused the artifact (hash, tag) or the command.</summary>
    public const string Rejected = "rejected";

    /// <summary>The device went back to its previous variant by itself: the new model failed to load.</summary>
    public const string LoadFailed = "load-failed";

    /// <summary>Rollback command queued.</summary>
    public const string RollingBack = "rolling-back";

    /// <summary>The device refused the rollback (no kept previous): the old artifact is being delivered again.</summary>
    public const string Restoring = "restoring";
    public const string RolledBack = "rolled-back";

    /// <summary>The rollout rolled back before the device installed; its transfer was cancelled.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Nothing to go back to (the role had no variant before): left on the new variant, reported.</summary>
    public const string Stranded = "stranded";

    /// <summary>The device was decommissioned during the rollout: it left and is not rolled back.</summary>
    public const string Decommissioned = "decommissioned";

    public static bool IsSettled(string state) =>
        state is RolledBack or Cancelled or Stranded or Rejected or LoadFailed or Decommissioned;
}
