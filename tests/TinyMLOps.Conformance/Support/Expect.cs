using nanoFramework.TestFramework;

namespace TinyMLOps.Conformance.Support
{
    /// <summary>Assertions the test framework lacks on one of the two runtimes.</summary>
    public static class Expect
    {
        public static void SameBytes(byte[] expected, byte[] actual, string what)
        {
            Assert.AreEqual(expected.Length, actual.Length, what + " length");
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i], actual[i], what + " byte " + i);
            }
        }
    }
}
