using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Pages.Admin;

/// <summary>/admin/webhooks (admins): the subscriptions and recent deliveries; add one (its secret shown once, on this answer only) or remove one.</summary>
public sealed class WebhooksModel(IFleetStore store, IOptions<SyncOptions> options) : PageModel
{
    /// <summary>Newest deliveries shown.</summary>
    public const int RecentDeliveries = 30;

    public IReadOnlyList<WebhookJson> Webhooks { get; private set; } = [];

    public IReadOnlyList<DeliveryJson> Deliveries { get; private set; } = [];

    public string? Secret { get; private set; }

    public string? Message { get; private set; }

    /// <summary>False when serve has no master key: secrets cannot be sealed, so nothing can be added.</summary>
    public bool CanAdd => WebhookQueries.Keys(options.Value.ArtifactMasterKey) != null;

    public string NoMasterKey => WebhookQueries.NoMasterKey;

    public Task OnGetAsync(string? done, CancellationToken ct)
    {
        Message = done;
        return LoadAsync(ct);
    }

    public async Task<IActionResult> OnPostAddAsync(string? url, string? events, CancellationToken ct)
    {
        if (WebhookQueries.Keys(options.Value.ArtifactMasterKey) is not { } keys)
        {
            Message = WebhookQueries.NoMasterKey;
        }
        else
        {
            try
            {
                var (subscription, secret) = await new WebhookSubscriptions(store, keys).AddAsync(url ?? string.Empty, events, ct);
                Secret = secret;
                Message = $"Added webhook {subscription.SubscriptionId} for {subscription.Url}. Copy the signing secret now: it is not shown again.";
                AuditMiddleware.Detail(HttpContext, WebhookQueries.AddedLine(subscription));
            }
            catch (ArgumentException e)
            {
                Message = e.Message;
            }
        }

        Response.Headers.CacheControl = "no-store";
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(long webhookId, CancellationToken ct)
    {
        bool removed = await store.RemoveWebhookAsync(webhookId, DateTimeOffset.UtcNow, ct);
        AuditMiddleware.Detail(HttpContext, removed ? $"removed webhook {webhookId}" : $"remove of webhook {webhookId}: no such webhook");
        return RedirectToPage(new { done = removed ? $"webhook {webhookId} removed" : $"no webhook {webhookId}" });
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Webhooks = await WebhookQueries.ListAsync(store, ct);
        Deliveries = await WebhookQueries.DeliveriesAsync(store, null, false, RecentDeliveries, ct);
    }
}
