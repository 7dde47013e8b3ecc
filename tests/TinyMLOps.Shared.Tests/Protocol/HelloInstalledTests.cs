using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The hello's optional installed section: the first bytes of each role's active content hash, after the consent section.</summary>
public sealed class HelloInstalledTests
{
    private static readonly byte[] Plugged = [1, 2, 3, 4, 5, 6, 7, 8];

    private static HelloPayload Sample(byte[][]? installed, int[]? consent = null) => new()
    {
        Board = "esp32-devkitc",
        FirmwareVersion = "0.5.0",
        ModelId = "fashion",
        BootCount = 4,
        ConsentSettings = consent ?? [UploadConsent.On, UploadConsent.Charging, UploadConsent.On],
        InstalledHashes = installed,
    };

    [Fact]
    public void A_hello_with_installed_hashes_round_trips_them_after_the_consent_section()
    {
        var sent = Sample([Plugged, new byte[8]]);
        byte[] bytes = sent.Encode();
        var got = HelloPayload.Decode(bytes);

        Assert.Equal(Sample(null).Encode().Length + 1 + 16, bytes.Length);
        Assert.Equal(Plugged, got.InstalledHashes![0]);
        Assert.Equal(new byte[8], got.InstalledHashes[1]);
        Assert.Equal([UploadConsent.On, UploadConsent.Charging, UploadConsent.On], got.ConsentSettings);
        Assert.Equal(bytes, got.Encode());

        // A hello that stops after the consent section (firmware before this section) has none.
        Assert.Null(HelloPayload.Decode(Sample(null).Encode()).InstalledHashes);
    }

    [Fact]
    public void Bad_installed_sections_are_rejected_with_their_reason_and_every_cut_inside_them_is_refused()
    {
        byte[] good = Sample([Plugged, Plugged]).Encode();
        int start = Sample(null).Encode().Length;
        for (int cut = start + 1; cut < good.Length; cut++)
        {
            var e = Assert.Throws<ProtocolException>(() => HelloPayload.Decode(good[..cut]));
            Assert.Equal(RejectReason.BadPayload, e.Reason);
        }

        foreach (byte roles in new byte[] { 0, 3, 255 })
        {
            byte[] bad = (byte[])good.Clone();
            bad[start] = roles;
            var e = Assert.Throws<ProtocolException>(() => HelloPayload.Decode(bad));
            Assert.Contains($"installed roles {roles} is not 1..2", e.Message, StringComparison.Ordinal);
        }

        // A byte after the installed section starts the kernels section, which cannot be empty.
        var empty = Assert.Throws<ProtocolException>(() => HelloPayload.Decode([.. good, 0]));
        Assert.Contains("kernel backend name is not 1..32 bytes", empty.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Sample([new byte[7]]).Encode());
        Assert.Throws<ArgumentException>(() => new HelloPayload { InstalledHashes = [Plugged] }.Encode());
    }

    [Fact]
    public void Random_mutations_decode_to_the_same_bytes_or_throw_only_ProtocolException()
    {
        var rng = new Random(21);
        byte[] good = Sample([Plugged, new byte[8]]).Encode();
        int decoded = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] m = (byte[])good.Clone();
            int flips = rng.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                m[rng.Next(m.Length)] = (byte)rng.Next(256);
            }

            if (rng.Next(4) == 0)
            {
                m = m[..rng.Next(m.Length)];
            }

            try
            {
                var h = HelloPayload.Decode(m);
                Assert.Equal(m, h.Encode());
                decoded++;
            }
            catch (ProtocolException)
            {
            }
        }

        Assert.InRange(decoded, 1, 19_999);
    }
}
