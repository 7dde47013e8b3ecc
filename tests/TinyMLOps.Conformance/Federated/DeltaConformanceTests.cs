using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Federated;
using TinyMLOps.Shared.Protocol;

namespace TinyMLOps.Conformance.Federated
{
    /// <summary>The compressed delta on both runtimes: top-k selection, clipping, and the upload format's round trip and rejects.</summary>
    [TestClass]
    public class DeltaConformanceTests
    {
        [TestMethod]
        public void Top_k_keeps_the_largest_magnitudes_in_ascending_index_order()
        {
            float[] values = new float[] { 0.1f, -5f, 3f, 0f, -3f, 4.5f, 0.2f };
            int[] kept = DeltaCodec.TopK(values, 3);
            Assert.AreEqual(3, kept.Length, "kept");
            Assert.AreEqual(1, kept[0], "first");
            Assert.AreEqual(2, kept[1], "second: equal magnitude, lower index wins");
            Assert.AreEqual(5, kept[2], "third");
        }

        [TestMethod]
        public void Clipping_scales_a_delta_down_to_the_norm_bound()
        {
            float[] delta = new float[] { 3f, 4f };
            DeltaCodec.ClipL2(delta, 1f);
            Assert.IsTrue(Math.Abs(DeltaCodec.L2Norm(delta) - 1.0) < 1e-5, "norm after clipping " + DeltaCodec.L2Norm(delta));
            Assert.IsTrue(Math.Abs(delta[0] - 0.6f) < 1e-5, "direction kept");
        }

        [TestMethod]
        public void A_sparse_delta_round_trips_through_its_upload_format()
        {
            ModelDelta delta = Sample(new Rng(8));
            byte[] encoded = delta.Encode();
            ModelDelta back = ModelDelta.Decode(encoded);
            Assert.AreEqual(delta.RoundId, back.RoundId, "round id");
            Assert.AreEqual(delta.SampleCount, back.SampleCount, "samples");
            Assert.AreEqual(2, back.Tensors.Length, "tensors");
            float[] dense = DeltaCodec.Decode(back.Tensors[0]);
            float[] sparse = DeltaCodec.Decode(back.Tensors[1]);
            Assert.AreEqual(delta.Tensors[0].Values[3] * delta.Tensors[0].Scale, dense[3], "dense value");
            Assert.AreEqual(delta.Tensors[1].Values[1] * delta.Tensors[1].Scale, sparse[delta.Tensors[1].Indexes[1]], "sparse value");
            Assert.AreEqual(0f, sparse[1], "dropped value");
            Expect.SameBytes(encoded, ModelDelta.Decode(encoded).Encode(), "re-encoded delta");
        }

        [TestMethod]
        public void Every_truncation_of_a_delta_is_refused()
        {
            byte[] encoded = Sample(new Rng(9)).Encode();
            for (int cut = 0; cut < encoded.Length; cut++)
            {
                byte[] shorter = new byte[cut];
                Array.Copy(encoded, shorter, cut);
                bool threw = false;
                try
                {
                    ModelDelta.Decode(shorter);
                }
                catch (ProtocolException)
                {
                    threw = true;
                }

                Assert.IsTrue(threw, "delta cut to " + cut + " decoded");
            }
        }

        private static ModelDelta Sample(Rng rng)
        {
            DeltaTensor dense = new DeltaTensor();
            dense.Name = "dense_1.bias";
            dense.ElementCount = 10;
            dense.Scale = 0.01f;
            dense.Encoding = ModelDelta.EncodingDense;
            dense.Values = new sbyte[10];
            for (int i = 0; i < 10; i++)
            {
                dense.Values[i] = (sbyte)rng.Next(-127, 128);
            }

            DeltaTensor sparse = new DeltaTensor();
            sparse.Name = "dense_1.weights";
            sparse.ElementCount = 320;
            sparse.Scale = 0.002f;
            sparse.Encoding = ModelDelta.EncodingTopK;
            sparse.Indexes = new int[] { 0, 7, 31, 200, 319 };
            sparse.Values = new sbyte[] { 5, -127, 127, 1, -3 };

            ModelDelta delta = new ModelDelta();
            delta.RoundId = "r-42";
            delta.BaseVariantId = "mlp-64";
            delta.SampleCount = 300;
            delta.Tensors = new DeltaTensor[] { dense, sparse };
            return delta;
        }
    }
}
