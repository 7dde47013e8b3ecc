using System.Text;
using TinyMLOps.Shared.Protocol;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Shared.Tests.Protocol;

public class PayloadTests
{
    private static void Rejects(int kind, byte[] payload, string named, int reason = RejectReason.BadPayload)
    {
        var e = Assert.Throws<ProtocolException>(() => ProtocolSamples.PayloadRoundTrip(kind, payload));
        Assert.Equal(reason, e.Reason);
        Assert.StartsWith(RejectReason.Name(reason) + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    private static byte[] Str(string s) => [(byte)Encoding.UTF8.GetByteCount(s), .. Encoding.UTF8.GetBytes(s)];

    private static byte[] U16(int v) => [(byte)v, (byte)(v >> 8)];

    private static byte[] U32(uint v) => BitConverter.GetBytes(v);

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void Every_payload_type_round_trips_to_the_same_bytes(int kind)
    {
        var rng = new Random(100 + kind);
        for (int i = 0; i < 50; i++)
        {
            byte[] payload = ProtocolSamples.Payload(rng, kind);
            Assert.Equal(payload, ProtocolSamples.PayloadRoundTrip(kind, payload));
        }
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void Every_truncation_of_a_payload_is_rejected_as_truncated_bad_payload(int kind)
    {
        byte[] payload = ProtocolSamples.Payload(new Random(kind), kind);
        // The hello sample carries the optional consent section (u8 count, 3 settings, u8 grants), the installed
        // section (u8 roles, 2 x 8 bytes) and the kernels section (str "native"): cut just before any, it is an older hello.
        int beforeKernels = kind == MessageKind.Hello ? payload.Length - 7 : -1;
        int beforeInstalled = kind == MessageKind.Hello ? beforeKernels - 17 : -1;
        int olderHello = kind == MessageKind.Hello ? beforeInstalled - 5 : -1;
        for (int length = 0; length < payload.Length; length++)
        {
            if (length == beforeKernels)
            {
                var older = HelloPayload.Decode(payload[..length]);
                Assert.NotNull(older.InstalledHashes);
                Assert.Null(older.KernelBackend);
                continue;
            }

            if (length == olderHello)
            {
                Assert.Null(HelloPayload.Decode(payload[..length]).ConsentSettings);
                continue;
            }

            if (length == beforeInstalled)
            {
                var older = HelloPayload.Decode(payload[..length]);
                Assert.NotNull(older.ConsentSettings);
                Assert.Null(older.InstalledHashes);
                continue;
            }

            Rejects(kind, payload[..length], "truncated");
        }
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void Every_payload_type_rejects_a_trailing_byte_and_a_missing_payload(int kind)
    {
        byte[] payload = ProtocolSamples.Payload(new Random(kind), kind);
        Rejects(kind, [.. payload, 0], "1 bytes after the last field");
        Rejects(kind, null!, "no payload");
        Rejects(kind, [], "truncated");
    }

    [Fact]
    public void Hello_keeps_every_field()
    {
        var sent = new HelloPayload
        {
            Board = "esp32-s3-devkitc",
            FirmwareVersion = "1.2.3",
            ModelId = "fashion-mlp",
            ModelVersion = 7,
            FreeHeapBytes = 123_456,
            FreeFlashBytes = uint.MaxValue,
            KernelMask = 0x8000_0001,
            PowerSource = 1,
            BatteryPercent = 100,
            BootCount = 9,
            OutboxCapacityBytes = 65536,
        };
        var got = HelloPayload.Decode(sent.Encode());
        Assert.Equivalent(sent, got, strict: true);
        Assert.Equal(3 + 16 + 2 + 8, new HelloPayload().Encode().Length);
        Assert.Equal(HelloPayload.NoBattery, HelloPayload.Decode(new HelloPayload().Encode()).BatteryPercent);
    }

    [Fact]
    public void Hello_round_trips_strings_of_255_bytes_and_non_ascii_text()
    {
        var sent = new HelloPayload { Board = new string('b', 255), FirmwareVersion = "温度センサー🙂", ModelId = "" };
        var got = HelloPayload.Decode(sent.Encode());
        Assert.Equal(sent.Board, got.Board);
        Assert.Equal(sent.FirmwareVersion, got.FirmwareVersion);
        Assert.Equal("", got.ModelId);
    }

    [Fact]
    public void Hello_rejects_an_unknown_power_source_a_battery_over_100_and_broken_utf8()
    {
        byte[] good = new HelloPayload().Encode();
        byte[] bad = (byte[])good.Clone();
        bad[3 + 16] = 3;
        Rejects(MessageKind.Hello, bad, "power source 3");

        bad = (byte[])good.Clone();
        bad[3 + 17] = 101;
        Rejects(MessageKind.Hello, bad, "battery 101%");

        bad = [1, 0xFF, .. good[1..]];
        Rejects(MessageKind.Hello, bad, "board is not well-formed UTF-8");
    }

    [Fact]
    public void Heartbeat_keeps_every_field_in_24_bytes()
    {
        var sent = new HeartbeatPayload
        {
            UptimeSeconds = 86_400,
            PowerSource = 2,
            BatteryPercent = 0,
            OutboxEntries = 0xFFFF,
            OutboxBytes = 1,
            DroppedTotal = 2,
            Inferences = uint.MaxValue,
            BootCount = 3,
        };
        byte[] bytes = sent.Encode();
        Assert.Equal(24, bytes.Length);
        Assert.Equivalent(sent, HeartbeatPayload.Decode(bytes), strict: true);

        sent.OutboxEntries = 70_000;
        Assert.Equal(0xFFFF, HeartbeatPayload.Decode(sent.Encode()).OutboxEntries);
    }

    [Fact]
    public void Heartbeat_rejects_an_unknown_power_source_and_a_battery_over_100()
    {
        byte[] bad = new HeartbeatPayload().Encode();
        bad[4] = 7;
        Rejects(MessageKind.Heartbeat, bad, "power source 7");

        bad = new HeartbeatPayload().Encode();
        bad[5] = 254;
        Rejects(MessageKind.Heartbeat, bad, "battery 254%");
    }

    [Fact]
    public void Command_round_trips_with_empty_and_with_2048_argument_bytes()
    {
        foreach (int n in new[] { 0, CommandPayload.MaxArgumentBytes })
        {
            var sent = new CommandPayload { CommandId = 5, Name = "reboot", Arguments = ProtocolSamples.Bytes(new Random(n), n) };
            byte[] bytes = sent.Encode();
            Assert.Equal(4 + 1 + 6 + 2 + n, bytes.Length);
            Assert.Equivalent(sent, CommandPayload.Decode(bytes), strict: true);
        }
    }

    [Fact]
    public void Command_rejects_an_empty_name_and_too_many_argument_bytes()
    {
        Rejects(MessageKind.Command, [.. U32(1), 0, 0, 0], "empty name");
        byte[] big = new CommandPayload { Name = "x", Arguments = new byte[CommandPayload.MaxArgumentBytes + 1] }.Encode();
        Rejects(MessageKind.Command, big, "2049 argument bytes, the limit is 2048");
        Rejects(MessageKind.Command, [.. U32(1), .. Str("x"), .. U16(5), 1, 2], "arguments");
    }

    [Fact]
    public void Command_result_round_trips_every_status_and_rejects_others()
    {
        for (int status = 0; status <= CommandResultPayload.Refused; status++)
        {
            var sent = new CommandResultPayload { CommandId = uint.MaxValue, Status = status, Detail = status == 0 ? "" : "détail" };
            Assert.Equivalent(sent, CommandResultPayload.Decode(sent.Encode()), strict: true);
            Assert.DoesNotContain("status-", CommandResultPayload.StatusName(status), StringComparison.Ordinal);
        }

        Rejects(MessageKind.CommandResult, [.. U32(1), 4, 0], "status 4");
        Rejects(MessageKind.CommandResult, [.. U32(1), 0, 2, 0xC0, 0x80], "detail is not well-formed UTF-8");
        Assert.Equal("status-9", CommandResultPayload.StatusName(9));
    }

    private static ChunkPayload Chunk(int index = 0, int count = 1, int dataLength = 10, uint total = 10) => new()
    {
        TransferId = 77,
        ContentType = 2,
        Index = index,
        Count = count,
        TotalLength = total,
        ArtifactCrc = 0xDEADBEEF,
        Data = ProtocolSamples.Bytes(new Random(dataLength), dataLength),
    };

    [Fact]
    public void Chunk_keeps_the_transfer_identity_and_its_data_crc()
    {
        ChunkPayload sent = Chunk(index: 3, count: 4, dataLength: 100, total: 6244);
        byte[] bytes = sent.Encode();
        Assert.Equal(23 + 100, bytes.Length);
        Assert.Equal(Crc32.Compute(sent.Data, 0, 100), BitConverter.ToUInt32(bytes, 17));
        Assert.Equivalent(sent, ChunkPayload.Decode(bytes), strict: true);
    }

    [Fact]
    public void Chunk_round_trips_at_the_limits_and_with_no_data()
    {
        ChunkPayload full = Chunk(index: ChunkPayload.MaxChunks - 1, count: ChunkPayload.MaxChunks, dataLength: ChunkPayload.MaxChunkBytes,
            total: (uint)ChunkPayload.MaxChunks * ChunkPayload.MaxChunkBytes);
        Assert.Equal(full.Data, ChunkPayload.Decode(full.Encode()).Data);

        ChunkPayload empty = Chunk(dataLength: 0, total: 0);
        Assert.Empty(ChunkPayload.Decode(empty.Encode()).Data);
    }

    [Fact]
    public void Chunk_rejects_an_index_outside_the_count_and_data_that_does_not_fit()
    {
        Rejects(MessageKind.Chunk, Chunk(index: 0, count: 0).Encode(), "index 0 of 0");
        Rejects(MessageKind.Chunk, Chunk(index: 4, count: 4, total: 100).Encode(), "index 4 of 4");
        Rejects(MessageKind.Chunk, Chunk(count: 2, dataLength: 2049, total: 4096).Encode(), "2049 data bytes");
        Rejects(MessageKind.Chunk, Chunk(count: 2, total: 4097).Encode(), "4097 in all over 2 chunks");
        Rejects(MessageKind.Chunk, Chunk(dataLength: 10, total: 9).Encode(), "10 data bytes, 9 in all");
    }

    [Fact]
    public void Chunk_rejects_data_that_does_not_match_its_crc_as_bad_checksum()
    {
        byte[] bytes = Chunk().Encode();
        bytes[^1] ^= 0x10;
        Rejects(MessageKind.DownChunk, bytes, "chunk 0 of transfer 77: data CRC-32 mismatch", RejectReason.BadChecksum);
    }

    [Fact]
    public void Chunk_status_keeps_the_bitmap_and_answers_has()
    {
        var sent = new ChunkStatusPayload { TransferId = 9, Count = 10, Received = [0b1000_0101, 0b10] };
        byte[] bytes = sent.Encode();
        Assert.Equal(9 + 2, bytes.Length);
        var got = ChunkStatusPayload.Decode(bytes);
        Assert.Equivalent(sent, got, strict: true);
        int[] have = Enumerable.Range(0, 10).Where(got.Has).ToArray();
        Assert.Equal([0, 2, 7, 9], have);

        var done = new ChunkStatusPayload { TransferId = 9, Count = 9, Complete = true, Received = [0xFF, 0x01] };
        Assert.True(ChunkStatusPayload.Decode(done.Encode()).Complete);
    }

    [Fact]
    public void Chunk_status_rejects_a_bad_flag_a_wrong_bitmap_size_stray_bits_and_a_false_complete()
    {
        byte[] Status(int count, int complete, params byte[] bitmap) => [.. U32(1), .. U16(count), (byte)complete, .. U16(bitmap.Length), .. bitmap];

        Rejects(MessageKind.ChunkStatus, Status(8, 2, 0xFF), "complete flag 2");
        Rejects(MessageKind.ChunkStatus, Status(0, 0), "bitmap of 0 bytes for 0 chunks");
        Rejects(MessageKind.ChunkStatus, Status(9, 0, 0xFF), "bitmap of 1 bytes for 9 chunks");
        Rejects(MessageKind.ChunkStatus, Status(8, 0, 0xFF, 0), "bitmap of 2 bytes for 8 chunks");
        Rejects(MessageKind.ChunkStatus, Status(9, 0, 0, 0x02), "bits past chunk 8 are set");
        Rejects(MessageKind.ChunkStatus, Status(9, 1, 0xFF, 0x00), "complete but chunk 8 is missing");
    }

    [Fact]
    public void Ack_round_trips_one_range_and_the_maximum_of_256()
    {
        var one = new AckPayload([5], [5]);
        Assert.Equal(2 + 8, one.Encode().Length);
        var got = AckPayload.Decode(one.Encode());
        Assert.Equal(1, got.RangeCount);
        Assert.True(got.Covers(5));
        Assert.False(got.Covers(4));

        uint[] first = Enumerable.Range(0, AckPayload.MaxRanges).Select(i => (uint)(10 * i) + 1).ToArray();
        uint[] last = first.Select(f => f + 4).ToArray();
        byte[] bytes = new AckPayload(first, last).Encode();
        Assert.Equal(2 + (8 * 256), bytes.Length);
        got = AckPayload.Decode(bytes);
        Assert.Equal(256, got.RangeCount);
        Assert.Equal(2551u, got.First(255));
        Assert.Equal(2555u, got.Last(255));
        Assert.True(got.Covers(2553));
        Assert.False(got.Covers(2550));
    }

    [Fact]
    public void Ack_round_trips_adjacent_ranges_and_the_whole_sequence_space()
    {
        var adjacent = AckPayload.Decode(new AckPayload([1, 4], [3, uint.MaxValue]).Encode());
        Assert.True(adjacent.Covers(uint.MaxValue));
        Assert.True(adjacent.Covers(3));
        Assert.False(adjacent.Covers(0));
    }

    [Fact]
    public void Ack_encoder_refuses_no_ranges_too_many_or_unpaired_bounds()
    {
        Assert.Throws<ArgumentException>(() => new AckPayload([], []).Encode());
        Assert.Throws<ArgumentException>(() => new AckPayload(new uint[257], new uint[257]).Encode());
        Assert.Throws<ArgumentException>(() => new AckPayload([1, 2], [1]).Encode());
    }

    [Fact]
    public void Ack_rejects_a_bad_range_count_and_ranges_that_are_empty_reversed_overlapping_or_descending()
    {
        static byte[] Ack(params uint[] bounds) => [.. U16(bounds.Length / 2), .. bounds.SelectMany(BitConverter.GetBytes)];

        Rejects(MessageKind.Ack, U16(0), "0 ranges, allowed 1 to 256");
        Rejects(MessageKind.Ack, [.. U16(257), .. new byte[257 * 8]], "257 ranges");
        Rejects(MessageKind.Ack, Ack(0, 5), "range 0..5 is empty or starts at 0");
        Rejects(MessageKind.Ack, Ack(6, 5), "range 6..5");
        Rejects(MessageKind.Ack, Ack(1, 5, 5, 9), "not ascending and disjoint at range 1");
        Rejects(MessageKind.Ack, Ack(10, 12, 1, 2), "not ascending and disjoint at range 1");
    }

    [Fact]
    public void Dropped_round_trips_one_entry_and_the_maximum_of_32()
    {
        var one = new DroppedPayload { Kinds = [MessageKind.Heartbeat], Counts = [3], FirstSequences = [10], LastSequences = [12] };
        Assert.Equal(1 + 13, one.Encode().Length);
        Assert.Equivalent(one, DroppedPayload.Decode(one.Encode()), strict: true);

        int n = DroppedPayload.MaxEntries;
        var full = new DroppedPayload
        {
            Kinds = Enumerable.Repeat(MessageKind.Chunk, n).ToArray(),
            Counts = Enumerable.Repeat(1u, n).ToArray(),
            FirstSequences = Enumerable.Range(1, n).Select(i => (uint)i).ToArray(),
            LastSequences = Enumerable.Repeat(uint.MaxValue, n).ToArray(),
        };
        Assert.Equivalent(full, DroppedPayload.Decode(full.Encode()), strict: true);
    }

    [Fact]
    public void Dropped_rejects_a_bad_entry_count_and_inconsistent_entries()
    {
        static byte[] Entry(int kind, uint count, uint first, uint last) => [(byte)kind, .. U32(count), .. U32(first), .. U32(last)];

        Rejects(MessageKind.Dropped, [0], "0 entries, allowed 1 to 32");
        Rejects(MessageKind.Dropped, [33, .. Enumerable.Range(0, 33).SelectMany(_ => Entry(2, 1, 1, 1))], "33 entries");
        Rejects(MessageKind.Dropped, [1, .. Entry(2, 0, 1, 1)], "entry 0 is empty");
        Rejects(MessageKind.Dropped, [1, .. Entry(2, 1, 0, 1)], "starts at sequence 0");
        Rejects(MessageKind.Dropped, [1, .. Entry(2, 1, 5, 4)], "range is reversed");
        Rejects(MessageKind.Dropped, [2, .. Entry(2, 1, 1, 1), .. Entry(2, 4, 7, 9)], "entry 1 counts 4 messages in a range of 3 sequences");
        Rejects(MessageKind.Dropped, [1, .. Entry(0, 1, 1, 1)], "entry 0 names kind 0, not an uplink kind");
        Rejects(MessageKind.Dropped, [1, .. Entry(MessageKind.Ack, 1, 1, 1)], "names kind 64");
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain ascii")]
    [InlineData("é€")]
    [InlineData("\U0001F642")]
    [InlineData("\uFFFF\uFEFF")]
    [InlineData("\U0010FFFF")]
    public void Well_formed_utf8_strings_are_accepted(string text)
    {
        var sent = new CommandResultPayload { Detail = text };
        Assert.Equal(text, CommandResultPayload.Decode(sent.Encode()).Detail);
    }

    [Theory]
    [InlineData("80")]
    [InlineData("C0AF")]
    [InlineData("C1BF")]
    [InlineData("E08080")]
    [InlineData("EDA080")]
    [InlineData("F4908080")]
    [InlineData("F5808080")]
    [InlineData("E282")]
    [InlineData("41FF")]
    [InlineData("F0808080")]
    public void Ill_formed_utf8_strings_are_rejected_so_that_decoding_never_alters_bytes(string hex)
    {
        byte[] text = Convert.FromHexString(hex);
        Rejects(MessageKind.CommandResult, [.. U32(1), 0, (byte)text.Length, .. text], "detail is not well-formed UTF-8");
        Rejects(MessageKind.Command, [.. U32(1), (byte)text.Length, .. text, 0, 0], "name is not well-formed UTF-8");
    }
}
