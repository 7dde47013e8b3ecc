using TinyMLOps.Shared.Protocol;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TinyMLOps.Console.Commands.Demo;
using TinyMLOps.Fleet.Federated.Rounds;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Host.Tests.Console;

namespace TinyMLOps.Host.Tests.Web.Console;

/// <summary>
/// `tinymlops demo` serves the web console and the API while it runs: it prints the address and an admin key, both ways
/// in work, and the console shows the demo's fleet. With TINYMLOPS_SCREENSHOTS=DIR the main pages are saved as PNGs at
/// 1280x800 (how docs/img/console-*.png were made).
/// </summary>
public sealed class DemoConsoleTests : ConsoleTest
{
    private const int Devices = 9;

    [ChromiumFact]
    public async Task The_demo_prints_the_console_address_and_an_admin_key_that_opens_the_console_and_the_api()
    {
        string db = Path.Combine(Dir.FullName, "demo.db");
        using var stop = new CancellationTokenSource();
        Task<int> demo = Task.Run(() => DemoCommand.RunAsync(Console, "fashion", Devices, 0.5, db, null, stop.Token, attackerCount: 1, http: "http://127.0.0.1:0", stay: true));
        Match printed = Match.Empty;
        for (int i = 0; i < 600 && !(printed = Regex.Match(Snapshot(), @"console: (http://127\.0\.0\.1:\d+/) — sign in with the admin key below\s+admin key: (tml_\S+)")).Success; i++)
        {
            Assert.False(demo.IsCompleted, "the demo ended before it printed the console's address:\n" + Snapshot());
            await Task.Delay(100);
        }

        Assert.True(printed.Success, "no console address printed:\n" + Snapshot());
        var address = new Uri(printed.Groups[1].Value);
        string token = printed.Groups[2].Value;
        Assert.Contains($"curl -H \"Authorization: Bearer {token}\" {address}api/v1/devices", Regex.Replace(Snapshot(), @"\s+", " "));
        for (int i = 0; i < 1200 && !Snapshot().Contains("the console stays open at"); i++)
        {
            Assert.False(demo.IsCompleted, "the demo ended without staying:\n" + Snapshot());
            await Task.Delay(100);
        }

        using (var api = new HttpClient { BaseAddress = address })
        {
            api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var answer = await api.GetAsync("api/v1/devices?limit=100");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(Devices + 1, Regex.Matches(await answer.Content.ReadAsStringAsync(), "\"deviceId\"").Count);
        }

        string? shots = Environment.GetEnvironmentVariable("TINYMLOPS_SCREENSHOTS");
        (long rolloutId, string roundId) = await SeedAsync(db);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumFactAttribute.Executable, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        await page.GotoAsync(new Uri(address, "login").ToString());
        await page.GetByLabel("API key").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(address.ToString());
        Assert.Equal((Devices + 1).ToString(), await page.GetByTestId("devices-total").InnerTextAsync());
        foreach (var (path, name) in new[] { ("", "overview"), ("devices/demo-0000", "device"), ($"rollouts/{rolloutId}", "rollout"), ($"rounds/{roundId}", "round"), ("billing", "billing"), ("drift", "drift") })
        {
            var response = await page.GotoAsync(new Uri(address, path).ToString());
            Assert.Equal(200, response!.Status);
            if (shots != null)
            {
                Directory.CreateDirectory(shots);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, $"console-{name}.png") });
            }
        }

        // The attacker was flagged and a shifted board raised drift (scored against the demo model's profile): both reach the overview's alerts.
        await page.GotoAsync(address.ToString());
        string alerts = await page.Locator("ul.alerts").InnerTextAsync();
        Assert.Contains("demo-x000", alerts);
        Assert.Matches(@"drift demo-000[036]", alerts);
        await stop.CancelAsync();
        Assert.Equal(0, await demo);
    }

    // The demo writes while the test reads; a read that races a write is simply retried by the caller's loop.
    private string Snapshot()
    {
        try
        {
            return Out.ToString();
        }
        catch (ArgumentException)
        {
            return string.Empty;
        }
    }

    /// <summary>A rollout and a released round in the demo's store, as `variant rollout` and `round start` leave them (the demo runs neither).</summary>
    private static async Task<(long, string)> SeedAsync(string db)
    {
        await using var store = FleetStoreFactory.Open(null, db);
        var now = DateTimeOffset.UtcNow;
        long rolloutId = await store.CreateRolloutAsync(new RolloutRecord(0, "mlp32-int8", 2, "ab12cd", VariantAssignment.RolePlugged, "demo", null, 50, "10,50,100", "{}", RolloutStates.Active, "stage 50%", now.AddHours(-2), now));
        var result = new RoundResult
        {
            Invited = 9, Uploaded = 7, Strategy = "fedavg", CurrentAccuracy = 0.79, CandidateAccuracy = 0.82,
            Labels = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"],
            CurrentPerClass = [0.78, 0.94, 0.66, 0.82, 0.7, 0.88, 0.45, 0.9, 0.93, 0.92],
            CandidatePerClass = [0.8, 0.95, 0.7, 0.84, 0.74, 0.9, 0.52, 0.91, 0.94, 0.93],
            GateReasons = ["held-out accuracy +3.0 points (at least +1.0)", "no class lost more than 2.0 points"],
        };
        string roundId = "round-demo-1";
        await store.CreateRoundAsync(new RoundRecord(roundId, "fashion-mlp-demo", "mlp32-int8", 1, "ab12", VariantAssignment.RolePlugged, "demo", null, "fedavg", "{}", "released", "released: candidate beats the current head", now.AddMinutes(-30), now.AddMinutes(-5), now, result.ToJson(), null, "mlp32-int8", 2, rolloutId, 1));
        return (rolloutId, roundId);
    }
}
