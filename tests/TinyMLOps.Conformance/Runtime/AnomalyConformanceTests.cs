using nanoFramework.TestFramework;
using TinyMLOps.Conformance.Support;
using TinyMLOps.Shared.Model;
using TinyMLOps.Shared.Runtime;
using TinyMLOps.Shared.Util;

namespace TinyMLOps.Conformance.Runtime
{
    /// <summary>
    /// An anomaly model's decisions on seeded inputs: the squared-error sums, classes and confidences hash to the same
    /// CRC-32 on nanoCLR and .NET (the constant is .NET's result), so a threshold calibrated on the host flags the same
    /// windows on a board.
    /// </summary>
    [TestClass]
    public class AnomalyConformanceTests
    {
        private const int Features = 18;
        private const int Samples = 32;

        [TestMethod]
        public void Reconstruction_errors_and_decisions_are_identical_across_runtimes()
        {
            // First without a threshold, to place one inside the scores (the errors of sample 5).
            Classifier probe = new Classifier(ModelWriter.Write(PortableModels.Autoencoder(61, Features, 6, 0f)));
            byte[] inputs = Inputs();
            probe.Classify(inputs, 5 * Features);
            float threshold = (float)probe.AnomalyError;

            Classifier classifier = new Classifier(ModelWriter.Write(PortableModels.Autoencoder(61, Features, 6, threshold)));
            Assert.AreEqual(2, classifier.ClassCount, "classes");
            Assert.AreEqual("anomaly", classifier.Label(1), "label");
            uint crc = Crc32.Start();
            int anomalies = 0;
            long minFlagged = 0x7FFFFFFFFFFFFFFF;
            long maxNormal = -1;
            for (int s = 0; s < Samples; s++)
            {
                int decided = classifier.Classify(inputs, s * Features);
                long sum = classifier.AnomalyErrorSum;
                int confidence = classifier.TopConfidence();
                Assert.IsTrue(confidence >= 32768 && confidence <= 65535, "confidence of sample " + s);
                if (decided == 1)
                {
                    minFlagged = sum < minFlagged ? sum : minFlagged;
                }
                else
                {
                    maxNormal = sum > maxNormal ? sum : maxNormal;
                }

                anomalies += decided;
                crc = Add(crc, decided);
                crc = Add(crc, confidence);
                crc = Add(crc, (int)sum);
                crc = Add(crc, (int)(sum >> 32));
            }

            Assert.IsTrue(anomalies > 0 && anomalies < Samples, anomalies + " of " + Samples + " flagged: the threshold should split them");
            Assert.IsTrue(maxNormal < minFlagged, "every flagged error is above every normal one");
            Assert.AreEqual(1566482153u, Crc32.Finish(crc), "CRC-32 of the sums, classes and confidences");
        }

        private static byte[] Inputs()
        {
            Rng rng = new Rng(62);
            byte[] b = new byte[Samples * Features];
            for (int s = 0; s < Samples; s++)
            {
                // Quiet and loud samples, so the errors spread.
                int span = 20 + (s * 7);
                for (int f = 0; f < Features; f++)
                {
                    b[(s * Features) + f] = (byte)rng.Next(0, span > 255 ? 255 : span);
                }
            }

            return b;
        }

        private static uint Add(uint crc, int value)
        {
            byte[] b = new byte[] { (byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24) };
            return Crc32.Update(crc, b, 0, 4);
        }
    }
}
