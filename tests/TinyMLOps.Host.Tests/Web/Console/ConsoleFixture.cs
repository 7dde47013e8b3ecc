using TinyMLOps.Shared.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using TinyMLOps.Fleet.Access;
using TinyMLOps.Fleet.Rollouts;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Simulation.VirtualBoards;

namespace TinyMLOps.Host.Tests.Web.Console;

/// <summary>
/// One running `serve` with a small virtual fleet that published through its embedded broker, a rollout to act on,
/// keys of every role, and one headless Chromium for the whole test class.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const int Boards = 6;

    private ServeHarness? _serve;
    private IPlaywright? _playwright;
    private string _storage = string.Empty;

    internal ServeHarness Serve => _serve!;

    public IBrowser Browser { get; private set; } = null!;

    public string Admin { get; private set; } = string.Empty;

    public string Operator { get; private set; } = string.Empty;

    public string Viewer { get; private set; } = string.Empty;

    public long RolloutId { get; private set; }

    public string Url(string path) => new Uri(Serve.Address, path).ToString();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumFactAttribute.Executable))
        {
            return;
        }

        _serve = await ServeHarness.StartAsync(o => o.OnlineWindow = TimeSpan.FromHours(1));
        Admin = await Serve.KeyAsync(ApiRole.Admin, "ada");
        Operator = await Serve.KeyAsync(ApiRole.Operator, "otto");
        Viewer = await Serve.KeyAsync(ApiRole.Viewer, "vera");
        _storage = Directory.CreateTempSubdirectory("tinymlops-console-boards-").FullName;
        var clock = new SimClock(DateTimeOffset.UtcNow.AddHours(-3));
        using (var fleet = VirtualFleet.CreateMixed(Boards, "web", "127.0.0.1", Serve.Options.BrokerPort, _storage, NullLogger.Instance, seed: 3, heartbeatSeconds: 600, clock: clock))
        {
            for (int i = 0; i < 180; i++)
            {
                fleet.Step(TimeSpan.FromMinutes(1));
                if (i % 20 == 0)
                {
                    await Task.Delay(10);
                }
            }

            Assert.True(await fleet.DrainAsync(TimeSpan.FromSeconds(30), CancellationToken.None), "the virtual fleet did not drain");
        }

        for (int i = 0; i < 100 && (await Serve.Store.ListDevicesAsync()).Count < Boards; i++)
        {
            await Task.Delay(50);
        }

        // A rollout in flight, as `variant rollout` leaves it (the harness runs no registry, so nothing moves it on its own).
        var now = DateTimeOffset.UtcNow;
        RolloutId = await Serve.Store.CreateRolloutAsync(new RolloutRecord(0, "mlp16-int8", 2, "ab12cd", VariantAssignment.RolePlugged, "web", null, 10, "10,50,100", "{}", RolloutStates.Active, "stage 10%", now, now));
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumFactAttribute.Executable, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>A fresh browser context (its own cookies) at 1280x800, signed in with <paramref name="token"/> unless null.</summary>
    public async Task<IPage> PageAsync(string? token)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        if (token != null)
        {
            await page.GotoAsync(Url("/login"));
            await page.GetByLabel("API key").FillAsync(token);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.WaitForURLAsync(Url("/"));
        }

        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser != null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_serve != null)
        {
            await _serve.DisposeAsync();
        }

        try
        {
            if (_storage.Length > 0)
            {
                Directory.Delete(_storage, recursive: true);
            }
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
