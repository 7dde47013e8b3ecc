using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Store;

namespace TinyMLOps.Web.Pages.Admin;

/// <summary>/admin/audit (admins): every write to the API and the console, newest first, 100 a page.</summary>
public sealed class AuditModel(IFleetStore store) : PageModel
{
    public IReadOnlyList<AuditRecord> Entries { get; private set; } = [];

    public long? Older { get; private set; }

    public async Task OnGetAsync(long? before, CancellationToken ct)
    {
        Entries = await store.AuditAsync(100, before, ct);
        Older = Entries.Count == 100 ? Entries[^1].AuditId : null;
    }
}
