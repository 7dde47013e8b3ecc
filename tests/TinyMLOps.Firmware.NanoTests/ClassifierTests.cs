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
    }
}
