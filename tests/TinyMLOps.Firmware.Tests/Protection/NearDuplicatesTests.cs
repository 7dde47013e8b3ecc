using TinyMLOps.Firmware.Core.Protection;

namespace TinyMLOps.Firmware.Tests.Protection;

public class NearDuplicatesTests
{
    private static byte[] Image(int seed)
    {
        var rng = new Random(seed);
        var image = new byte[784];
        rng.NextBytes(image);
        return image;
    }

    [Fact]
    public void A_repeated_or_slightly_nudged_input_is_a_near_duplicate_and_a_different_one_is_not()
    {
        var d = new NearDuplicates(8, 16, 32);
        var a = Image(1);
        Assert.False(d.Observe(a, 0, a.Length));
        Assert.True(d.Observe(a, 0, a.Length));

        var nudged = (byte[])a.Clone();
        var rng = new Random(5);
        for (int i = 0; i < nudged.Length; i++)
        {
            nudged[i] = (byte)Math.Clamp(nudged[i] + rng.Next(-6, 7), 0, 255);
        }

        Assert.True(d.Observe(nudged, 0, nudged.Length));

        var brighter = a.Select(v => (byte)Math.Min(255, v + 60)).ToArray();
        Assert.False(d.Observe(brighter, 0, brighter.Length));
    }

    [Fact]
    public void Only_the_last_inputs_of_the_ring_are_remembered_and_Clear_forgets_them()
    {
        var d = new NearDuplicates(4, 16, 32);
        var first = new byte[64];
        Assert.False(d.Observe(first, 0, first.Length));
        for (int k = 1; k <= 4; k++)
        {
            var other = Enumerable.Repeat((byte)(k * 50), 64).ToArray();
            Assert.False(d.Observe(other, 0, other.Length));
        }

        Assert.False(d.Observe(first, 0, first.Length)); // pushed out by four others
        Assert.True(d.Observe(first, 0, first.Length));
        d.Clear();
        Assert.False(d.Observe(first, 0, first.Length));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new NearDuplicates(0, 16, 32));
        Assert.Throws<ArgumentException>(() => new NearDuplicates(4, 16, 1));
        var d = new NearDuplicates(4, 16, 32);
        Assert.Throws<ArgumentException>(() => d.Observe(new byte[8], 0, 8));
        Assert.Throws<ArgumentException>(() => d.Observe(new byte[64], 10, 64));
    }
}
