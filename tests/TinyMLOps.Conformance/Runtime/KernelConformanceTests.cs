using System;
using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Kernels;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Quantization;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Conformance.Runtime
{
    /// <summary>
    /// Every int8 kernel and the interpreter on seeded models, run the same on nanoCLR and .NET: accumulators equal a
    /// naive 64-bit reference, requantized outputs lie within one step of exact arithmetic, pooling is exact, and the
    /// outputs of each model hash to the same CRC-32 on both runtimes (the constants are .NET's results: a runtime that
    /// computes one byte differently fails here rather than on a board).
    /// </summary>
    [TestClass]
    public class KernelConformanceTests
    {
        private const int Samples = 8;

        [TestMethod]
        public void Every_kernel_of_a_cnn_matches_its_naive_reference()
        {
            for (int seed = 1; seed <= 5; seed++)
            {
                CheckAllLayers(PortableModels.Cnn(seed), seed);
            }
        }

        [TestMethod]
        public void Every_kernel_of_an_mlp_matches_its_naive_reference()
        {
            for (int seed = 1; seed <= 5; seed++)
            {
                CheckAllLayers(PortableModels.Mlp(seed), seed);
            }
        }

        [TestMethod]
        public void A_rectangular_strided_convolution_matches_its_naive_reference()
        {
            CheckAllLayers(PortableModels.WideConv(4), 4);
        }

        [TestMethod]
        public void The_unrolled_and_three_wide_paths_match_their_naive_reference()
        {
            for (int seed = 1; seed <= 3; seed++)
            {
                CheckAllLayers(PortableModels.Separable(seed), seed);
            }
        }

        [TestMethod]
        public void Padded_positions_add_nothing_to_a_convolution()
        {
            Rng rng = new Rng(9);
            Int8Model model = PortableModels.Input(rng, 3, 3, 1);
            Conv2D conv = PortableModels.Conv(rng, 3, 3, 1, 1, new Window(3, 3, 1, 1, 1, 1, 1, 1), Activation.None);
            conv.Bias[0] = 0;
            model.Operators = new Operator[] { conv };
            model.Labels = new string[0];
            model.Prepare();
            Interpreter interpreter = new Interpreter(model);
            conv.AccumulatorProbe = new int[9];

            // All inputs at the zero point: every accumulator is exactly the (zero) bias, borders included.
            sbyte[] input = new sbyte[9];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = (sbyte)model.InputZeroPoint;
            }

            interpreter.SetInput(input, 0);
            interpreter.Invoke();
            for (int i = 0; i < 9; i++)
            {
                Assert.AreEqual(0, conv.AccumulatorProbe[i], "accumulator " + i);
            }
        }

        [TestMethod]
        public void Cnn_outputs_are_byte_identical_across_runtimes()
        {
            Assert.AreEqual(3597137340u, OutputDigest(PortableModels.Cnn(11), 11), "CRC-32 of the outputs");
        }

        [TestMethod]
        public void Mlp_outputs_are_byte_identical_across_runtimes()
        {
            Assert.AreEqual(3604034957u, OutputDigest(PortableModels.Mlp(12), 12), "CRC-32 of the outputs");
        }

        [TestMethod]
        public void Wide_convolution_outputs_are_byte_identical_across_runtimes()
        {
            Assert.AreEqual(181625852u, OutputDigest(PortableModels.WideConv(13), 13), "CRC-32 of the outputs");
        }

        [TestMethod]
        public void Separable_outputs_are_byte_identical_across_runtimes()
        {
            Assert.AreEqual(439615844u, OutputDigest(PortableModels.Separable(14), 14), "CRC-32 of the outputs");
        }

        [TestMethod]
        public void A_model_written_and_read_back_gives_the_same_outputs()
        {
            Int8Model model = PortableModels.Cnn(21);
            Int8Model read = ModelReader.Read(ModelWriter.Write(model));
            Assert.AreEqual(OutputDigest(model, 21), OutputDigest(read, 21), "outputs after a round trip through the model format");
        }

        internal static uint OutputDigest(Int8Model model, int seed)
        {
            Interpreter interpreter = new Interpreter(model);
            Rng rng = new Rng(seed * 7);
            byte[] output = new byte[interpreter.OutputLength];
            uint crc = Crc32.Start();
            for (int s = 0; s < Samples; s++)
            {
                interpreter.SetInputFromBytes(PortableModels.RandomInput(rng, model.InputElements), 0);
                interpreter.Invoke();
                for (int i = 0; i < output.Length; i++)
                {
                    output[i] = (byte)interpreter.GetOutput(i);
                }

                crc = Crc32.Update(crc, output, 0, output.Length);
            }

            return Crc32.Finish(crc);
        }

        internal static void CheckAllLayers(Int8Model model, int seed)
        {
            Interpreter interpreter = new Interpreter(model);
            Rng rng = new Rng(seed * 31);
            for (int i = 0; i < model.Operators.Length; i++)
            {
                Operator op = model.Operators[i];
                op.AccumulatorProbe = op.AccumulatorCount > 0 ? new int[op.AccumulatorCount] : null;
            }

            for (int sample = 0; sample < 4; sample++)
            {
                interpreter.SetInputFromBytes(PortableModels.RandomInput(rng, model.InputElements), 0);
                sbyte[] arena = interpreter.Arena;
                for (int i = 0; i < model.Operators.Length; i++)
                {
                    Operator op = model.Operators[i];
                    sbyte[][] inputs = new sbyte[op.InputCount][];
                    for (int k = 0; k < inputs.Length; k++)
                    {
                        inputs[k] = Slice(arena, op.InputOffsets[k], op.Inputs[k].Elements);
                    }

                    op.Eval(arena);
                    NaiveKernels.Check(op, inputs, Slice(arena, op.OutputOffset, op.OutputElements));
                }
            }
        }

        private static sbyte[] Slice(sbyte[] arena, int offset, int count)
        {
            sbyte[] copy = new sbyte[count];
            for (int i = 0; i < count; i++)
            {
                copy[i] = arena[offset + i];
            }

            return copy;
        }
    }
}
