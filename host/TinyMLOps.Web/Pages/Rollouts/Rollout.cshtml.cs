using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Queries;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages.Rollouts;

/// <summary>/rollouts/ID: stages, devices and the health verdict; operators and admins may pause, resume, abort or roll it back.</summary>
public sealed class RolloutModel(RolloutControl control, IFleetStore store) : PageModel
{
    public RolloutStatus Status { get; private set; } = null!;

    public bool CanAct => AccessPolicies.Level(User) >= ApiRole.Operator;

    public IReadOnlyList<int> Stages { get; private set; } = [];

    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(long rolloutId, string? done, CancellationToken ct)
    {
        try
        {
            Status = await control.Controller().StatusAsync(rolloutId, ct);
        }
        catch (ArgumentException)
        {
            return NotFound();
        }

        Stages = [.. Status.Rollout.Stages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];
        Done = done;
        return Page();
    }

    /// <summary>Asks for the rollback (the host service's next tick sends the devices back); operators and admins only.</summary>
    public async Task<IActionResult> OnPostRollbackAsync(long rolloutId, string? reason, CancellationToken ct)
    {
        if (!CanAct)
        {
            return Forbid();
        }

        string why = string.IsNullOrWhiteSpace(reason) ? "console request" : reason.Trim();
        try
        {
            await control.Controller().RollBackAsync(rolloutId, $"{why} (by {AccessPolicies.Actor(User)})", ct);
        }
        catch (ArgumentException)
        {
            return NotFound();
        }

        AuditMiddleware.Detail(HttpContext, $"rollback of rollout {rolloutId}: {why}");
        return RedirectToPage(new { rolloutId, done = "rollback requested" });
    }

    /// <summary>Pauses the rollout (the same call as POST /api/v1/rollouts/ID/pause); operators and admins only.</summary>
    public Task<IActionResult> OnPostPauseAsync(long rolloutId, string? reason, CancellationToken ct) =>
        HoldAsync(rolloutId, "pause", why => RolloutQueries.PauseAsync(store, control.Registry(), rolloutId, why, ct), reason);

    public Task<IActionResult> OnPostResumeAsync(long rolloutId, CancellationToken ct) =>
        HoldAsync(rolloutId, "resume", _ => RolloutQueries.ResumeAsync(store, control.Registry(), rolloutId, ct), null);

    public Task<IActionResult> OnPostAbortAsync(long rolloutId, string? reason, CancellationToken ct) =>
        HoldAsync(rolloutId, "abort", why => RolloutQueries.AbortAsync(store, control.Registry(), rolloutId, why, ct), reason);

    private async Task<IActionResult> HoldAsync(long rolloutId, string verb, Func<string, Task<Change<RolloutRecord>?>> act, string? reason)
    {
        if (!CanAct)
        {
            return Forbid();
        }

        string why = $"{(string.IsNullOrWhiteSpace(reason) ? "console request" : reason.Trim())} (by {AccessPolicies.Actor(User)})";
        Change<RolloutRecord>? change;
        try
        {
            change = await act(why);
        }
        catch (InvalidOperationException e)
        {
            // A state the verb does not apply to (e.g. resuming an aborted rollout): say so on the page.
            return RedirectToPage(new { rolloutId, done = e.Message });
        }

        if (change == null)
        {
            return NotFound();
        }

        if (!change.Changed)
        {
            return RedirectToPage(new { rolloutId, done = $"rollout {rolloutId} is already {change.Record.State}" });
        }

        AuditMiddleware.Detail(HttpContext, $"{verb} of rollout {rolloutId}: {change.Record.State} ({change.Record.Reason})");
        return RedirectToPage(new { rolloutId, done = $"rollout {change.Record.State}" });
    }
}
