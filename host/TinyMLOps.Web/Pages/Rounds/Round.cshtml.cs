using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Site;

namespace TinyMLOps.Web.Pages.Rounds;

/// <summary>/rounds/ID: one round live (participants, bytes, accuracy per class, gate verdict); the page polls itself while it runs.</summary>
public sealed class RoundModel(IFleetStore store) : PageModel
{
    public RoundRecord Round { get; private set; } = null!;

    public RoundResult Result { get; private set; } = null!;

    public IReadOnlyList<RoundParticipantRecord> Participants { get; private set; } = [];

    public bool Running { get; private set; }

    public Chart PerClass { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string roundId, CancellationToken ct)
    {
        if (await store.GetRoundAsync(roundId, ct) is not { } round)
        {
            return NotFound();
        }

        Round = round;
        Result = RoundResult.FromJson(round.Result);
        Participants = await store.RoundParticipantsAsync(roundId, ct);
        Running = (await store.ListRoundsAsync(true, ct)).Any(r => r.RoundId == roundId);
        int n = Math.Min(Result.Labels.Count, Math.Min(Result.CurrentPerClass.Count, Result.CandidatePerClass.Count));
        PerClass = new Chart("class-chart", "Held-out accuracy per class, current against candidate", "Class", "accuracy %")
        {
            Kind = "bars",
            Categories = [.. Result.Labels.Take(n)],
            X = [.. Enumerable.Range(0, n).Select(i => (double)i)],
            Series = n == 0 ? [] :
            [
                new ChartSeries("current", [.. Result.CurrentPerClass.Take(n).Select(a => (double?)(a * 100))]),
                new ChartSeries("candidate", [.. Result.CandidatePerClass.Take(n).Select(a => (double?)(a * 100))]),
            ],
        };
        return Page();
    }
}
