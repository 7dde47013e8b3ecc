namespace TinyMLOps.Fleet.Access;

/// <summary>What an API key may do; each role includes the ones below it.</summary>
public enum ApiRole
{
    /// <summary>Reads everything: fleet, telemetry, drift, bills, rollouts, rounds.</summary>
    Viewer = 1,

    /// <summary>Also runs the fleet: rollouts (create, pause, resume, abort, rollback), rounds, tags, quota grants, provisioning.</summary>
    Operator = 2,

    /// <summary>Also manages access: API keys, the audit log, webhooks, decommissioning.</summary>
    Admin = 3,
}
