using nanoFramework.TestFramework;
using TinyMLOps.Firmware.Core;
using TinyMLOps.Shared.Runtime;

namespace TinyMLOps.Firmware.NanoTests
{
    [TestClass]
    public class ClassifierTests
    {
        [TestMethod]
        public void The_int8_model_picks_the_brightest_input()
        {
            Classifier classifier = new Classifier(TinyModel.Build());

            Assert.AreEqual(3, classifier.InputLength, "input length");
            Assert.AreEqual(0, classifier.Classify(new byte[] { 250, 10, 10 }, 0), "left");
            Assert.AreEqual(1, classifier.Classify(new byte[] { 10, 250, 10 }, 0), "middle");
            Assert.AreEqual(2, classifier.Classify(new byte[] { 10, 10, 250 }, 0), "right");
            Assert.AreEqual("right", classifier.Label(2), "label");
        }

        [TestMethod]
        public void A_classification_reports_its_confidence()
        {
            Classifier classifier = new Classifier(TinyModel.Build());

            classifier.Classify(new byte[] { 255, 0, 0 }, 0);

            Assert.IsTrue(classifier.TopConfidence() > 0, "confidence");
        }

        [TestMethod]
        public void An_autoencoder_reports_normal_or_anomaly_by_its_reconstruction_error()
        {
            // The identity autoencoder: inputs it reconstructs are normal; its output saturates above 0.5, so bright inputs are not.
            Classifier classifier = new Classifier(TinyModel.BuildAutoencoder(0.01f));

            Assert.AreEqual(2, classifier.ClassCount, "classes");
            Assert.AreEqual("normal", classifier.Label(0), "label 0");
            Assert.AreEqual(0, classifier.Classify(new byte[] { 10, 60, 100 }, 0), "reconstructed");
            int quiet = classifier.TopConfidence();
            Assert.AreEqual(1, classifier.Classify(new byte[] { 250, 250, 250 }, 0), "saturated");
            Assert.IsTrue(classifier.AnomalyError > 0.01, "error above the threshold");
            Assert.IsTrue(quiet > 32768 && classifier.TopConfidence() > 32768, "confidence above one half away from the threshold");
        }
    }
}
