using nanoFramework.TestFramework;

namespace TinyMLOps.Conformance.Runtime
{
    /// <summary>
    /// Where nanoCLR and .NET differ on purpose-free code, pinned so that device code is written around it
    /// (docs/device-code.md) and so that a nanoCLR that changes shows up here. On .NET each test checks the .NET side.
    /// </summary>
    [TestClass]
    public class InterpreterDifferenceTests
    {
        [TestMethod]
        public void A_new_string_array_holds_nulls_only_once_they_are_assigned()
        {
            string[] fresh = new string[2];
            string[] filled = new string[2];
            filled[0] = null;
            filled[1] = null;
#if NANOFRAMEWORK_1_0
            // nanoCLR clears string elements to string-typed blocks without text: not null, and their Length throws.
            Assert.IsFalse(fresh[0] == null, "nanoCLR now gives nulls: the workaround in device code can go");
#else
            Assert.IsTrue(fresh[0] == null, ".NET gives nulls");
#endif
            Assert.IsTrue(filled[0] == null && filled[1] == null, "assigned nulls are nulls on both runtimes");
        }

        [TestMethod]
        public void Out_of_range_float_to_int_casts_wrap_on_nanoclr_and_saturate_on_dotnet()
        {
            double big = 1e10;
            int cast = (int)big;
#if NANOFRAMEWORK_1_0
            Assert.AreEqual(1410065408, cast, "nanoCLR wraps");
#else
            Assert.AreEqual(int.MaxValue, cast, ".NET saturates");
#endif
        }
    }
}
