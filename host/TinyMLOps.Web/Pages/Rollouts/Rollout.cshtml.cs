using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages.Rollouts;

/// <summary>/rollouts/ID: stages, devices and the health verdict; operators and admins may roll it back.</summary>
public sealed class RolloutModel(RolloutControl control) : PageModel
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
}
