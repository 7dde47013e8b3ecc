using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

public class TopicsTests
{
    [Fact]
    public void Builds_the_documented_topic_names_and_filters()
    {
        Assert.Equal("tinymlops/v1/fleet-a/dev-01/up/hello", Topics.Up("fleet-a", "dev-01", MessageKind.Hello));
        Assert.Equal("tinymlops/v1/fleet-a/dev-01/up/command-result", Topics.Up("fleet-a", "dev-01", MessageKind.CommandResult));
        Assert.Equal("tinymlops/v1/fleet-a/dev-01/down/chunk", Topics.Down("fleet-a", "dev-01", MessageKind.DownChunk));
        Assert.Equal("tinymlops/v1/fleet-a/dev-01/down/#", Topics.DownFilter("fleet-a", "dev-01"));
        Assert.Equal("tinymlops/v1/fleet-a/+/up/#", Topics.UpFilter("fleet-a"));
        Assert.Equal("tinymlops/v1/+/+/up/#", Topics.UpFilter("+"));
    }

    [Fact]
    public void Shared_up_filter_has_the_mqtt5_share_form()
    {
        Assert.Equal("$share/tinymlops-hosts/tinymlops/v1/fleet-a/+/up/#", Topics.SharedUpFilter("fleet-a"));
        Assert.Equal("$share/" + Topics.SharedGroup + "/" + Topics.UpFilter("+"), Topics.SharedUpFilter("+"));
        Assert.Null(Topics.Parse(Topics.SharedUpFilter("fleet-a")));
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void Every_kind_round_trips_through_its_topic(int kind)
    {
        bool uplink = MessageKind.IsUplink(kind);
        string fleet = new('F', 32);
        string topic = uplink ? Topics.Up(fleet, "d.e_v-9", kind) : Topics.Down(fleet, "d.e_v-9", kind);

        TopicInfo? info = Topics.Parse(topic);

        Assert.NotNull(info);
        Assert.Equal(fleet, info.Fleet);
        Assert.Equal("d.e_v-9", info.DeviceId);
        Assert.Equal(uplink, info.Uplink);
        Assert.Equal(kind, info.Kind);
    }

    [Fact]
    public void Chunk_is_told_apart_by_direction()
    {
        Assert.Equal(MessageKind.Chunk, Topics.Parse("tinymlops/v1/f/d/up/chunk")!.Kind);
        Assert.Equal(MessageKind.DownChunk, Topics.Parse("tinymlops/v1/f/d/down/chunk")!.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("tinymlops/v2/f/d/up/hello")]
    [InlineData("TinyMLOps/v1/f/d/up/hello")]
    [InlineData("other/v1/f/d/up/hello")]
    [InlineData("/tinymlops/v1/f/d/up/hello")]
    public void Rejects_a_wrong_root(string topic)
    {
        Assert.Null(Topics.Parse(topic));
    }

    [Theory]
    [InlineData("tinymlops/v1/f/up/hello")]
    [InlineData("tinymlops/v1/f/d/x/up/hello")]
    [InlineData("tinymlops/v1/f/d/up/hello/")]
    [InlineData("tinymlops/v1/f/d/up")]
    [InlineData("tinymlops/v1")]
    public void Rejects_a_wrong_level_count(string topic)
    {
        Assert.Null(Topics.Parse(topic));
    }

    [Theory]
    [InlineData("tinymlops/v1/+/d/up/hello")]
    [InlineData("tinymlops/v1/f/+/up/hello")]
    [InlineData("tinymlops/v1/f/#/up/hello")]
    [InlineData("tinymlops/v1/f/d/up/#")]
    [InlineData("tinymlops/v1/f/d/up/+")]
    [InlineData("tinymlops/v1//d/up/hello")]
    [InlineData("tinymlops/v1/f//up/hello")]
    [InlineData("tinymlops/v1/f/dev 1/up/hello")]
    [InlineData("tinymlops/v1/f/dév/up/hello")]
    [InlineData("tinymlops/v1/f/abcdefghijklmnopqrstuvwxyz0123456/up/hello")]
    public void Rejects_wildcards_and_invalid_ids(string topic)
    {
        Assert.Null(Topics.Parse(topic));
    }

    [Theory]
    [InlineData("tinymlops/v1/f/d/up/reboot")]
    [InlineData("tinymlops/v1/f/d/up/Hello")]
    [InlineData("tinymlops/v1/f/d/up/")]
    [InlineData("tinymlops/v1/f/d/down/telemetry")]
    public void Rejects_an_unknown_kind(string topic)
    {
        Assert.Null(Topics.Parse(topic));
    }

    [Theory]
    [InlineData("tinymlops/v1/f/d/sideways/hello")]
    [InlineData("tinymlops/v1/f/d/UP/hello")]
    [InlineData("tinymlops/v1/f/d/up/ack")]
    [InlineData("tinymlops/v1/f/d/up/command")]
    [InlineData("tinymlops/v1/f/d/down/hello")]
    [InlineData("tinymlops/v1/f/d/down/heartbeat")]
    [InlineData("tinymlops/v1/f/d/down/chunk-status")]
    public void Rejects_a_wrong_or_unknown_direction(string topic)
    {
        Assert.Null(Topics.Parse(topic));
    }

    [Fact]
    public void Rejects_a_null_topic()
    {
        Assert.Null(Topics.Parse(null!));
    }

    [Fact]
    public void Builders_refuse_a_kind_of_the_other_direction_and_invalid_ids()
    {
        Assert.Throws<ArgumentException>(() => Topics.Up("f", "d", MessageKind.DownChunk));
        Assert.Throws<ArgumentException>(() => Topics.Up("f", "d", MessageKind.Ack));
        Assert.Throws<ArgumentException>(() => Topics.Down("f", "d", MessageKind.Chunk));
        Assert.Throws<ArgumentException>(() => Topics.Down("f", "d", 99));
        Assert.Throws<ArgumentException>(() => Topics.Up("+", "d", MessageKind.Hello));
        Assert.Throws<ArgumentException>(() => Topics.Up("f", "a/b", MessageKind.Hello));
        Assert.Throws<ArgumentException>(() => Topics.Down("f", "", MessageKind.Ack));
    }

    [Fact]
    public void Kinds_have_unique_numbers_and_one_direction_and_parse_back_from_their_names()
    {
        Assert.Equal(ProtocolSamples.AllKinds.Length, ProtocolSamples.AllKinds.Distinct().Count());
        for (int kind = 0; kind < 256; kind++)
        {
            bool known = ProtocolSamples.AllKinds.Contains(kind);
            Assert.Equal(known, MessageKind.IsKnown(kind));
            Assert.False(MessageKind.IsUplink(kind) && MessageKind.IsDownlink(kind));
            Assert.Equal(known, MessageKind.IsUplink(kind) || MessageKind.IsDownlink(kind));
            if (known)
            {
                Assert.Equal(kind, MessageKind.Parse(MessageKind.Name(kind), MessageKind.IsUplink(kind)));
            }
        }

        Assert.Equal(-1, MessageKind.Parse("ack", uplink: true));
        Assert.Equal(-1, MessageKind.Parse("nope", uplink: false));
    }
}
