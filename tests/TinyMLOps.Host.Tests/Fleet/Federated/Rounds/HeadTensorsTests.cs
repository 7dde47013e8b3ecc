using TinyMLOps.Fleet.Federated.Rounds;

namespace TinyMLOps.Host.Tests.Fleet.Federated.Rounds;

public sealed class HeadTensorsTests
{
    [Fact]
    public void Tensors_round_trip_bit_for_bit_including_special_values()
    {
        float[][] tensors = [[1.5f, -0f, float.Epsilon, 3e38f], [], [0.1f]];
        var back = HeadTensors.Decode(HeadTensors.Encode(tensors));
        Assert.Equal(tensors.Length, back.Length);
        for (int t = 0; t < tensors.Length; t++)
        {
            Assert.Equal(tensors[t].Select(BitConverter.SingleToInt32Bits), back[t].Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Every_truncation_and_a_trailing_byte_are_rejected()
    {
        byte[] bytes = HeadTensors.Encode([[1f, 2f], [3f]]);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => HeadTensors.Decode(bytes[..length]));
        }

        Assert.Throws<InvalidDataException>(() => HeadTensors.Decode([.. bytes, 0]));
    }

    [Fact]
    public void A_negative_or_huge_length_is_rejected_before_allocating()
    {
        byte[] bytes = HeadTensors.Encode([[1f]]);
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 2);
        Assert.Throws<InvalidDataException>(() => HeadTensors.Decode(bytes));
        BitConverter.GetBytes(-1).CopyTo(bytes, 2);
        Assert.Throws<InvalidDataException>(() => HeadTensors.Decode(bytes));
    }
}
