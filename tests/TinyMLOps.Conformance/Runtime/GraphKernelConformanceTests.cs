using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Model;

namespace TinyMLOps.Conformance.Runtime
{
    /// <summary>
    /// The graph kernels (Add, Mul, Concat, Pad, Lookup, Mean) on seeded DAGs, run the same on nanoCLR and .NET: each
    /// layer against its naive reference (broadcasting per channel and as a scalar, either input the smaller;
    /// concatenation along every axis, copied and requantized), and the outputs hashed to the same CRC-32 on both
    /// runtimes (the constants are .NET's results).
    /// </summary>
    [TestClass]
    public class GraphKernelConformanceTests
    {
        [TestMethod]
        public void Every_kernel_of_a_residual_squeeze_excite_graph_matches_its_naive_reference()
        {
            for (int seed = 1; seed <= 4; seed++)
            {
                KernelConformanceTests.CheckAllLayers(PortableModels.Graph(seed), seed);
            }
        }

        [TestMethod]
        public void Broadcast_add_and_mul_match_their_naive_reference()
        {
            for (int seed = 1; seed <= 5; seed++)
            {
                KernelConformanceTests.CheckAllLayers(PortableModels.Broadcasts(seed), seed);
            }
        }

        [TestMethod]
        public void Concat_along_every_axis_and_pad_match_their_naive_reference()
        {
            for (int seed = 1; seed <= 5; seed++)
            {
                KernelConformanceTests.CheckAllLayers(PortableModels.Concats(seed), seed);
            }
        }

        [TestMethod]
        public void Graph_outputs_are_byte_identical_across_runtimes()
        {
            Assert.AreEqual(3207990609u, KernelConformanceTests.OutputDigest(PortableModels.Graph(15), 15), "CRC-32 of the outputs");
        }

        [TestMethod]
        public void Broadcast_outputs_are_byte_identical_across_runtimes()
        {
            Assert.AreEqual(3119128476u, KernelConformanceTests.OutputDigest(PortableModels.Broadcasts(16), 16), "CRC-32 of the outputs");
        }

        [TestMethod]
        public void Concat_outputs_are_byte_identical_across_runtimes()
        {
            Assert.AreEqual(582308573u, KernelConformanceTests.OutputDigest(PortableModels.Concats(17), 17), "CRC-32 of the outputs");
        }

        [TestMethod]
        public void A_graph_model_written_and_read_back_gives_the_same_outputs()
        {
            Int8Model model = PortableModels.Graph(22);
            Int8Model read = ModelReader.Read(ModelWriter.Write(model));
            Assert.AreEqual(KernelConformanceTests.OutputDigest(model, 22), KernelConformanceTests.OutputDigest(read, 22), "outputs after a round trip through the model format");
        }
    }
}
