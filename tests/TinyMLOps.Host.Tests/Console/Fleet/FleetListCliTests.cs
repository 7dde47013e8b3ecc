using System.Text.Json;
using TinyMLOps.Console;
using TinyMLOps.Fleet.Store;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Host.Tests.Console.Fleet;

/// <summary>`fleet ls` for scripts: filters, sorting, a limit, and `--output json` that parses.</summary>
public sealed class FleetListCliTests : ConsoleTest
{
    [Fact]
    public async Task Json_output_parses_and_filters_sort_and_limit_apply()
    {
        string db = await Registry();
        Assert.Equal(0, Run("fleet", "ls", "--db", db, "--output", "json"));
        using (var all = JsonDocument.Parse(Out.ToString()))
        {
            Assert.Equal(3, all.RootElement.GetProperty("total").GetInt32());
            var ids = all.RootElement.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()).ToList();
            Assert.Equal(["[red]boom[/]\u001b]0;pwned\u0007", "c3-1", "c3-2"], ids);
            Assert.DoesNotContain("credential", Out.ToString(), StringComparison.OrdinalIgnoreCase);
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "ls", "--db", db, "--output", "json", "--board", "esp32-c3", "--sort", "last-seen", "--limit", "1"));
        using (var one = JsonDocument.Parse(Out.ToString()))
        {
            var device = Assert.Single(one.RootElement.GetProperty("devices").EnumerateArray());
            Assert.Equal("c3-2", device.GetProperty("deviceId").GetString());
            Assert.Equal("esp32-c3", device.GetProperty("board").GetString());
            Assert.Equal("native", device.GetProperty("kernelBackend").GetString());
            Assert.True(device.GetProperty("online").GetBoolean());
        }
    }

    [Fact]
    public async Task The_table_keeps_the_chosen_order_and_counts_what_it_shows()
    {
        string db = await Registry();
        Assert.Equal(0, Run("fleet", "ls", "--db", db, "--board", "esp32-c3", "--sort", "last-seen"));
        string text = Out.ToString();
        Assert.True(text.IndexOf("c3-2", StringComparison.Ordinal) < text.IndexOf("c3-1", StringComparison.Ordinal), text);
        Assert.Contains("2 of 3 devices", text);
    }

    [Fact]
    public void An_unknown_output_format_is_a_usage_error()
    {
        Assert.Equal(Cli.ExitUsage, Run("fleet", "ls", "--output", "yaml"));
        Assert.Contains("--output must be table or json", Flat());
    }

    [Fact]
    public async Task Tags_filter_the_list_show_on_the_device_and_decommissioned_devices_need_all()
    {
        string db = await Registry();
        Assert.Equal(0, Run("device", "tag", "c3-1", "--add", "outdoor", "--add", "site=berlin", "--db", db));
        Assert.Contains("c3-1: outdoor site=berlin", Flat());
        Assert.Equal(0, Run("device", "tag", "c3-2", "--add", "outdoor", "--add", "beta", "--db", db));

        Out.GetStringBuilder().Clear();
        Assert.Equal(1, Run("device", "tag", "c3-1", "--add", "has space", "--db", db));
        Assert.Contains("tag \"has space\": character ' ' at 4 is not allowed", Flat());
        Assert.Single(Out.ToString().Trim().Split('\n'));

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "ls", "--db", db, "--tag", "outdoor and not beta", "--output", "json"));
        using (var doc = JsonDocument.Parse(Out.ToString()))
        {
            var device = Assert.Single(doc.RootElement.GetProperty("devices").EnumerateArray());
            Assert.Equal("c3-1", device.GetProperty("deviceId").GetString());
            Assert.Equal(["outdoor", "site=berlin"], device.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.False(device.GetProperty("decommissioned").GetBoolean());
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "ls", "--db", db, "--tag", "board:esp32-c3 and beta"));
        Assert.Contains("1 of 3 devices", Flat());
        Assert.Contains("beta", Flat()); // the tags column (wrapped in a narrow console)

        Out.GetStringBuilder().Clear();
        Assert.NotEqual(0, Run("fleet", "ls", "--db", db, "--tag", "outdoor and (beta"));
        Assert.Contains("at column 18", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("device", "decommission", "c3-2", "--reason", "water damage", "--db", db));
        Assert.Contains("c3-2 decommissioned (water damage): MQTT credential revoked", Flat());

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "ls", "--db", db, "--output", "json"));
        using (var doc = JsonDocument.Parse(Out.ToString()))
        {
            Assert.DoesNotContain("c3-2", doc.RootElement.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("deviceId").GetString()));
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("fleet", "ls", "--db", db, "--all", "--output", "json"));
        using (var doc = JsonDocument.Parse(Out.ToString()))
        {
            var gone = doc.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("deviceId").GetString() == "c3-2");
            Assert.True(gone.GetProperty("decommissioned").GetBoolean());
            Assert.Equal("water damage", gone.GetProperty("decommissionReason").GetString());
        }

        Out.GetStringBuilder().Clear();
        Assert.Equal(0, Run("device", "show", "c3-2", "--db", db));
        Assert.Contains("decommissioned", Flat());
        Assert.Contains("water damage", Flat());
        Assert.Contains("tags beta outdoor", Flat());
    }

    /// <summary>Three devices: two C3s seen a minute apart (c3-2 last, reporting native kernels) and one whose id carries markup and escapes.</summary>
    private async Task<string> Registry()
    {
        string db = Path.Combine(Dir.FullName, "fleet.db");
        await using var store = await FleetStoreFactory.OpenAsync(null, db);
        var now = DateTimeOffset.UtcNow;
        async Task Hello(string id, string board, DateTimeOffset at, string? kernels)
        {
            var hello = new HelloPayload { Board = board, FreeHeapBytes = 40_000, FreeFlashBytes = 150_000, PowerSource = 2, BatteryPercent = -1 };
            if (kernels != null)
            {
                hello.ConsentSettings = [1];
                hello.InstalledHashes = [new byte[8]];
                hello.KernelBackend = kernels;
            }

            await store.IngestAsync([new IngestRecord("lab", id, 1, MessageKind.Hello, 0, at, hello.Encode()) { Hello = hello }]);
        }

        await Hello("c3-1", "esp32-c3", now.AddMinutes(-2), null);
        await Hello("c3-2", "esp32-c3", now.AddMinutes(-1), "native");
        await Hello("[red]boom[/]\u001b]0;pwned\u0007", "esp32-devkitc", now.AddMinutes(-1), null);
        return db;
    }
}
