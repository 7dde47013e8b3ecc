using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Pages.Rounds;

/// <summary>/rounds: federated rounds, newest first, with their outcome.</summary>
public sealed class IndexModel(IFleetStore store) : PageModel
{
    public IReadOnlyList<(RoundRecord Round, RoundResult Result)> Rounds { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) =>
        Rounds = [.. (await store.ListRoundsAsync(false, ct)).Select(r => (r, RoundResult.FromJson(r.Result)))];
}
