using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Web.Access;

namespace TinyMLOps.Web.Pages.Admin;

/// <summary>/admin/keys (admins): every key; create one (its token shown once, on this answer only) or revoke one.</summary>
public sealed class KeysModel(IFleetStore store) : PageModel
{
    public IReadOnlyList<ApiKeyRecord> Keys { get; private set; } = [];

    public string? Token { get; private set; }

    public string? Message { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Keys = await store.ListApiKeysAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? role, CancellationToken ct)
    {
        try
        {
            (ApiKeyRecord record, string token) = ApiKeys.Create(name ?? string.Empty, ApiKeys.ParseRole(role ?? string.Empty), AccessPolicies.Actor(User), DateTimeOffset.UtcNow);
            if (!await store.CreateApiKeyAsync(record, ct))
            {
                Message = "Key id collision; try again.";
            }
            else
            {
                Token = token;
                Message = $"Created key {record.Name} ({record.KeyId}) as {record.Role}. Copy the token now: it is not shown again.";
                AuditMiddleware.Detail(HttpContext, $"created key {record.Name} ({record.KeyId}) as {record.Role}");
            }
        }
        catch (ArgumentException e)
        {
            Message = e.Message;
        }

        Response.Headers.CacheControl = "no-store";
        Keys = await store.ListApiKeysAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string keyId, CancellationToken ct)
    {
        bool revoked = await store.RevokeApiKeyAsync(keyId, AccessPolicies.Actor(User), DateTimeOffset.UtcNow, ct);
        AuditMiddleware.Detail(HttpContext, revoked ? $"revoked key {keyId}" : $"revoke of {keyId}: no active key");
        return RedirectToPage();
    }
}
