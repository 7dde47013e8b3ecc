using System.Diagnostics;
using TinyMLOps.Shared.Protocol;
using Xunit.Abstractions;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>
/// Seeded mutation fuzzing of the envelope and payload decoders. Every case must either decode, and then
/// re-encode to exactly its input, or throw <see cref="ProtocolException"/> with a known reason.
/// </summary>
public class ProtocolFuzzTests(ITestOutputHelper output)
{
    private const int EnvelopeCases = 100_000;
    private const int PayloadCasesPerKind = 11_200;

    [Fact]
    public void Mutated_envelopes_decode_or_throw_ProtocolException_and_re_encode_byte_identical()
    {
        var rng = new Random(20240601);
        var corpus = new List<(int Kind, byte[] Bytes, int[] Fields)>();
        for (int i = 0; i < 400; i++)
        {
            int kind = ProtocolSamples.AllKinds[i % ProtocolSamples.AllKinds.Length];
            byte[] bytes = ProtocolSamples.Envelope(rng, kind);
            int idLength = bytes[3];
            int payloadStart = 4 + idLength + 10;
            int[] fields = [3, 4 + idLength + 8, .. ProtocolSamples.PayloadLengthFields(kind).Select(f => f + payloadStart)];
            corpus.Add((kind, bytes, fields));
        }

        var failures = new Failures();
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < EnvelopeCases; n++)
        {
            var (_, bytes, fields) = corpus[rng.Next(corpus.Count)];
            byte[] other = corpus[rng.Next(corpus.Count)].Bytes;
            (byte[] input, string mutation) = Mutate(rng, bytes, other, fields);
            if (rng.Next(2) == 0)
            {
                ProtocolSamples.FixCrc(input);
                mutation += "+crc";
            }

            Message? message = Run(failures, stats, "envelope " + mutation, input, () => WireCodec.Decode(input));
            if (message == null)
            {
                continue;
            }

            byte[] again = WireCodec.Encode(message);
            if (!again.AsSpan().SequenceEqual(input))
            {
                failures.Add("envelope " + mutation + ": re-encoded bytes differ", input);
                continue;
            }

            byte[] payload = message.Payload;
            byte[]? reencoded = Run(failures, stats, "payload of kind " + message.Kind + " after " + mutation, payload,
                () => ProtocolSamples.PayloadRoundTrip(message.Kind, payload));
            if (reencoded != null && !reencoded.AsSpan().SequenceEqual(payload))
            {
                failures.Add("payload of kind " + message.Kind + " after " + mutation + ": re-encoded bytes differ", payload);
            }
        }

        output.WriteLine($"{EnvelopeCases} envelope cases in {clock.ElapsedMilliseconds} ms: {stats}");
        failures.AssertNone();
        Assert.True(stats.Decoded > 1000, "the fuzzer should reach successful decodes too: " + stats);
    }

    [Theory]
    [MemberData(nameof(ProtocolSamples.KindData), MemberType = typeof(ProtocolSamples))]
    public void Mutated_payloads_decode_or_throw_ProtocolException_and_re_encode_byte_identical(int kind)
    {
        var rng = new Random(7919 * kind);
        var corpus = new List<byte[]>();
        for (int i = 0; i < 60; i++)
        {
            corpus.Add(ProtocolSamples.Payload(rng, kind));
        }

        int[] fields = ProtocolSamples.PayloadLengthFields(kind);
        var failures = new Failures();
        var stats = new Stats();
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < PayloadCasesPerKind; n++)
        {
            byte[] payload = corpus[rng.Next(corpus.Count)];
            (byte[] input, string mutation) = Mutate(rng, payload, corpus[rng.Next(corpus.Count)], fields);
            if (kind is MessageKind.Chunk or MessageKind.DownChunk && input.Length >= 23 && rng.Next(2) == 0)
            {
                // Keep the chunk CRC right now and then so the checks behind it are reached too.
                int length = Math.Min(input[21] | (input[22] << 8), input.Length - 23);
                uint crc = TinyMLOps.Shared.Util.Crc32.Compute(input, 23, length);
                input[17] = (byte)crc;
                input[18] = (byte)(crc >> 8);
                input[19] = (byte)(crc >> 16);
                input[20] = (byte)(crc >> 24);
                mutation += "+crc";
            }

            byte[]? reencoded = Run(failures, stats, "kind " + kind + " " + mutation, input, () => ProtocolSamples.PayloadRoundTrip(kind, input));
            if (reencoded != null && !reencoded.AsSpan().SequenceEqual(input))
            {
                failures.Add("kind " + kind + " " + mutation + ": re-encoded bytes differ", input);
            }
        }

        output.WriteLine($"{PayloadCasesPerKind} payload cases of kind {kind} in {clock.ElapsedMilliseconds} ms: {stats}");
        failures.AssertNone();
        Assert.True(stats.Decoded > 50, "the fuzzer should reach successful decodes too: " + stats);
    }

    [Fact]
    public void Random_bytes_of_every_length_up_to_the_limit_are_rejected_with_ProtocolException()
    {
        var rng = new Random(3);
        for (int length = 0; length <= WireCodec.MaxMessageLength + 1; length++)
        {
            byte[] data = ProtocolSamples.Bytes(rng, length);
            if (length > 0)
            {
                data[0] = (byte)(rng.Next(4) == 0 ? rng.Next(256) : WireCodec.Version);
            }

            var e = Assert.Throws<ProtocolException>(() => WireCodec.Decode(data));
            Assert.InRange(e.Reason, 1, RejectReason.Count - 1);
        }
    }

    private static T? Run<T>(Failures failures, Stats stats, string what, byte[] input, Func<T> decode)
        where T : class
    {
        try
        {
            T value = decode();
            stats.Decoded++;
            return value;
        }
        catch (ProtocolException e)
        {
            stats.Rejected[e.Reason]++;
            if (e.Reason < 1 || e.Reason >= RejectReason.Count || !e.Message.StartsWith(RejectReason.Name(e.Reason) + ": ", StringComparison.Ordinal))
            {
                failures.Add(what + ": reason " + e.Reason + " with message '" + e.Message + "'", input);
            }
        }
#pragma warning disable CA1031 // The point is to catch everything else.
        catch (Exception e)
#pragma warning restore CA1031
        {
            failures.Add(what + ": " + e.GetType().Name + ": " + e.Message, input);
        }

        return null;
    }

    /// <summary>One random mutation of a valid message: what it did and the result.</summary>
    internal static (byte[] Bytes, string Mutation) Mutate(Random rng, byte[] input, byte[] other, int[] lengthFields)
    {
        var bytes = new List<byte>(input);
        switch (rng.Next(7))
        {
            case 0:
            {
                int flips = rng.Next(1, 5);
                for (int i = 0; i < flips && bytes.Count > 0; i++)
                {
                    int at = rng.Next(bytes.Count);
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                }

                return (bytes.ToArray(), "bit-flip");
            }

            case 1:
            {
                int at = rng.Next(bytes.Count + 1);
                bytes.InsertRange(at, ProtocolSamples.Bytes(rng, rng.Next(1, 9)));
                return (bytes.ToArray(), "insert");
            }

            case 2:
            {
                if (bytes.Count == 0)
                {
                    return (bytes.ToArray(), "delete");
                }

                int at = rng.Next(bytes.Count);
                bytes.RemoveRange(at, Math.Min(rng.Next(1, 9), bytes.Count - at));
                return (bytes.ToArray(), "delete");
            }

            case 3:
            {
                int[] fields = lengthFields.Length > 0 && rng.Next(4) != 0 ? lengthFields : [rng.Next(Math.Max(1, bytes.Count))];
                int at = fields[rng.Next(fields.Length)];
                if (at >= bytes.Count)
                {
                    return (bytes.ToArray(), "length-edit");
                }

                int old = bytes[at] | (at + 1 < bytes.Count ? bytes[at + 1] << 8 : 0);
                int[] choices = [0, 1, 2, 7, 8, 31, 32, 33, 127, 128, 255, 256, 2047, 2048, 2049, 4095, 4096, 4097, 0xFFFF, old - 1, old + 1, rng.Next(0x10000)];
                int value = choices[rng.Next(choices.Length)] & 0xFFFF;
                bytes[at] = (byte)value;
                if (at + 1 < bytes.Count && rng.Next(2) == 0)
                {
                    bytes[at + 1] = (byte)(value >> 8);
                }

                return (bytes.ToArray(), "length-edit");
            }

            case 4:
            {
                if (bytes.Count == 0)
                {
                    return (bytes.ToArray(), "random-range");
                }

                int at = rng.Next(bytes.Count);
                int count = Math.Min(rng.Next(1, 17), bytes.Count - at);
                for (int i = 0; i < count; i++)
                {
                    bytes[at + i] = (byte)rng.Next(256);
                }

                return (bytes.ToArray(), "random-range");
            }

            case 5:
            {
                int keep = rng.Next(input.Length + 1);
                int from = rng.Next(other.Length + 1);
                return ([.. input.AsSpan(0, keep), .. other.AsSpan(from)], "splice");
            }

            default:
            {
                // Random bytes behind a valid prefix, so that the early checks pass now and then.
                int keep = rng.Next(Math.Min(input.Length, 40) + 1);
                return ([.. input.AsSpan(0, keep), .. ProtocolSamples.Bytes(rng, rng.Next(0, 64))], "random-tail");
            }
        }
    }

    private sealed class Stats
    {
        public int Decoded;
        public readonly int[] Rejected = new int[RejectReason.Count];

        public override string ToString() =>
            "decoded " + Decoded + ", rejected " + string.Join(", ", Enumerable.Range(1, RejectReason.Count - 1)
                .Where(r => Rejected[r] > 0).Select(r => RejectReason.Name(r) + " " + Rejected[r]));
    }

    private sealed class Failures
    {
        private readonly Dictionary<string, string> _first = [];
        private int _count;

        public void Add(string what, byte[] input)
        {
            _count++;
            string key = what.Length > 120 ? what[..120] : what;
            _first.TryAdd(key, Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 96))));
        }

        public void AssertNone()
        {
            if (_count > 0)
            {
                Assert.Fail(_count + " failing cases; first of each kind:\n" + string.Join("\n", _first.Take(12).Select(p => p.Key + "\n    " + p.Value)));
            }
        }
    }
}
