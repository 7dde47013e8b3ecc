using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Pages.Rollouts;

/// <summary>/rollouts: every rollout, newest first.</summary>
public sealed class IndexModel(IFleetStore store) : PageModel
{
    public IReadOnlyList<RolloutRecord> Rollouts { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Rollouts = await store.ListRolloutsAsync(false, ct);
}
