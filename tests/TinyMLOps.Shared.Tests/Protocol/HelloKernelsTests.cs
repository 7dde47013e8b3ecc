using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Shared.Tests.Protocol;

/// <summary>The hello's optional kernels section: which kernels the device runs, after the installed section.</summary>
public sealed class HelloKernelsTests
{
    private static HelloPayload Sample(string? kernels, byte[][]? installed = null) => new()
    {
        Board = "esp32-devkitc",
        FirmwareVersion = "0.5.0",
        ModelId = "fashion",
        ConsentSettings = [UploadConsent.On, UploadConsent.Charging, UploadConsent.On],
        InstalledHashes = installed ?? [[1, 2, 3, 4, 5, 6, 7, 8], new byte[8]],
        KernelBackend = kernels,
    };

    [Fact]
    public void A_hello_with_the_kernels_section_round_trips_the_name_after_the_installed_section()
    {
        byte[] bytes = Sample("native").Encode();
        var got = HelloPayload.Decode(bytes);

        Assert.Equal(Sample(null).Encode().Length + 1 + "native".Length, bytes.Length);
        Assert.Equal("native", got.KernelBackend);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], got.InstalledHashes![0]);
        Assert.Equal(bytes, got.Encode());
    }

    [Fact]
    public void A_hello_from_older_firmware_without_the_section_decodes_with_no_kernels()
    {
        Assert.Null(HelloPayload.Decode(Sample(null).Encode()).KernelBackend);
        Assert.Null(HelloPayload.Decode(new HelloPayload { ConsentSettings = [UploadConsent.On] }.Encode()).KernelBackend);
        Assert.Null(HelloPayload.Decode(new HelloPayload { Board = "esp32" }.Encode()).KernelBackend);
    }

    [Fact]
    public void Bad_kernels_sections_are_rejected_and_every_cut_inside_them_is_refused()
    {
        byte[] good = Sample("managed").Encode();
        int start = Sample(null).Encode().Length;
        for (int cut = start + 1; cut < good.Length; cut++)
        {
            var e = Assert.Throws<ProtocolException>(() => HelloPayload.Decode(good[..cut]));
            Assert.Equal(RejectReason.BadPayload, e.Reason);
        }

        var tooLong = Assert.Throws<ProtocolException>(() => HelloPayload.Decode([.. Sample(null).Encode(), 33, .. new byte[33].Select(_ => (byte)'a')]));
        Assert.Contains("kernel backend name is not 1..32 bytes", tooLong.Message, StringComparison.Ordinal);
        var trailing = Assert.Throws<ProtocolException>(() => HelloPayload.Decode([.. good, 0]));
        Assert.Contains("1 bytes after the last field", trailing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Sample("").Encode());
        Assert.Throws<ArgumentException>(() => Sample(new string('a', 33)).Encode());
        Assert.Throws<ArgumentException>(() => new HelloPayload { ConsentSettings = [UploadConsent.On], KernelBackend = "native" }.Encode());
        Assert.Throws<ArgumentException>(() => new HelloPayload { KernelBackend = "native" }.Encode());
    }
}
