using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using TinyMLOps.Fleet.Hosting;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Fleet.Webhooks;
using TinyMLOps.Web.Access;
using TinyMLOps.Web.Contracts;
using TinyMLOps.Web.Queries;

namespace TinyMLOps.Web.Api;

/// <summary>Webhooks (admin), as the `webhook` verbs: list, subscribe (the secret in that answer only), remove, the delivery log, a test ping.</summary>
public static class WebhookEndpoints
{
    public static void Map(RouteGroupBuilder webhooks)
    {
        webhooks.MapGet("/", ListAsync).WithSummary("Webhook subscriptions with their pending, delivered and failed deliveries (never a secret)");
        webhooks.MapPost("/", AddAsync)
            .Produces<CreatedWebhook>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Subscribe a URL to fleet events (all, or a list); the signing secret is in this answer only (503 when serve has no master key to seal it)");
        webhooks.MapDelete("/{webhookId:long}", RemoveAsync)
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Remove a webhook; its pending deliveries are cancelled, its delivery log kept");
        webhooks.MapGet("/deliveries", DeliveriesAsync)
            .Produces<Page<DeliveryJson>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The delivery log, newest first, each delivery with its attempts; `webhookId=` for one webhook, `failed=true` for those given up");
        webhooks.MapPost("/{webhookId:long}/test", TestAsync)
            .Produces<TestPing>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Queue a signed ping to a webhook; the host's dispatcher sends it (see its delivery in /webhooks/deliveries)");
    }

    /// <summary>A subscription request: the URL and a comma list of event types (empty or null: every event).</summary>
    public sealed record AddWebhook(string Url, string? Events);

    public sealed record CreatedWebhook(WebhookJson Webhook, string Secret);

    public sealed record TestPing(long WebhookId, string DeliveryId);

    /// <summary>The most deliveries GET /deliveries pages through.</summary>
    private const int DeliveryWindow = 1_000;

    private static async Task<Page<WebhookJson>> ListAsync(IFleetStore store, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        Paging.Parse(limit, cursor);
        return Paging.Of(await WebhookQueries.ListAsync(store, cancellationToken).ConfigureAwait(false), limit, cursor, w => w);
    }

    private static async Task<IResult> AddAsync(AddWebhook request, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        if (WebhookQueries.Keys(options.Value.ArtifactMasterKey) is not { } keys)
        {
            return NoMasterKey();
        }

        var (subscription, secret) = await new WebhookSubscriptions(store, keys).AddAsync(request.Url ?? string.Empty, request.Events, cancellationToken).ConfigureAwait(false);
        AuditMiddleware.Detail(context, WebhookQueries.AddedLine(subscription));
        context.Response.Headers.CacheControl = "no-store";
        return Results.Created($"{ApiEndpoints.Root}/webhooks/{subscription.SubscriptionId.ToString(CultureInfo.InvariantCulture)}", new CreatedWebhook(WebhookJson.Of(subscription, []), secret));
    }

    private static async Task<IResult> RemoveAsync(long webhookId, IFleetStore store, HttpContext context, CancellationToken cancellationToken)
    {
        if (!await store.RemoveWebhookAsync(webhookId, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false))
        {
            return Problem.NotFound($"no webhook {webhookId}");
        }

        AuditMiddleware.Detail(context, $"removed webhook {webhookId}");
        return Results.NoContent();
    }

    private static async Task<Page<DeliveryJson>> DeliveriesAsync(IFleetStore store, long? webhookId, bool? failed, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        Paging.Parse(limit, cursor);
        var rows = await WebhookQueries.DeliveriesAsync(store, webhookId, failed == true, DeliveryWindow, cancellationToken).ConfigureAwait(false);
        return Paging.Of(rows, limit, cursor, d => d);
    }

    private static async Task<IResult> TestAsync(long webhookId, IFleetStore store, IOptions<SyncOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        if (WebhookQueries.Keys(options.Value.ArtifactMasterKey) is not { } keys)
        {
            return NoMasterKey();
        }

        if (await store.GetWebhookAsync(webhookId, cancellationToken).ConfigureAwait(false) is null)
        {
            return Problem.NotFound($"no webhook {webhookId}");
        }

        string delivery = await new WebhookSubscriptions(store, keys).PingAsync(webhookId, cancellationToken).ConfigureAwait(false);
        AuditMiddleware.Detail(context, $"test ping {delivery} to webhook {webhookId}");
        return Results.Accepted($"{ApiEndpoints.Root}/webhooks/deliveries?webhookId={webhookId.ToString(CultureInfo.InvariantCulture)}", new TestPing(webhookId, delivery));
    }

    private static IResult NoMasterKey() =>
        Results.Problem(detail: WebhookQueries.NoMasterKey, statusCode: StatusCodes.Status503ServiceUnavailable, title: "No master key");
}
