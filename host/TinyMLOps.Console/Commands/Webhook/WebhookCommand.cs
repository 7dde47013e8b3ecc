using System.CommandLine;
using Spectre.Console;
using TinyMLOps.Fleet.Security;

namespace TinyMLOps.Console.Commands.Webhook;

/// <summary>`webhook add|ls|rm|deliveries|test`: outbound webhooks for drift alerts, rollbacks, extraction suspects and released rounds.</summary>
internal static class WebhookCommand
{
    public static Command Build(IAnsiConsole console)
    {
        var webhook = new Command("webhook", "Outbound webhooks (HMAC-signed) for drift alerts, rollbacks, extraction suspects and released rounds");
        webhook.Subcommands.Add(WebhookAddCommand.Build(console));
        webhook.Subcommands.Add(WebhookListCommand.Build(console));
        webhook.Subcommands.Add(WebhookRemoveCommand.Build(console));
        webhook.Subcommands.Add(WebhookDeliveriesCommand.Build(console));
        webhook.Subcommands.Add(WebhookTestCommand.Build(console));
        return webhook;
    }

    public static Option<string?> MasterKey() => new("--master-key")
    {
        Description = $"the fleet's artifact master key, hex or base64 (default: ${DeviceKeys.EnvironmentVariable}); webhook secrets are sealed under it",
        DefaultValueFactory = _ => null,
    };

    public static DeviceKeys Keys(string? masterKey) => DeviceKeys.FromConfiguration(masterKey)
        ?? throw new ArgumentException($"webhook secrets are sealed with the fleet's master key: pass --master-key or set {DeviceKeys.EnvironmentVariable}");
}
