using System;
using Xunit;

// nanoFramework.TestFramework's surface as the conformance suite uses it, mapped onto xunit, so that one set of
// sources runs on nanoCLR (the real framework) and on .NET (this shim).
namespace nanoFramework.TestFramework
{
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class TestClassAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestMethodAttribute : FactAttribute
    {
    }

    public static class Assert
    {
        public static void AreEqual(int expected, int actual, string message = "") => Check(expected == actual, expected, actual, message);

        public static void AreEqual(long expected, long actual, string message = "") => Check(expected == actual, expected, actual, message);

        public static void AreEqual(uint expected, uint actual, string message = "") => Check(expected == actual, expected, actual, message);

        public static void AreEqual(ulong expected, ulong actual, string message = "") => Check(expected == actual, expected, actual, message);

        public static void AreEqual(byte expected, byte actual, string message = "") => Check(expected == actual, expected, actual, message);

        public static void AreEqual(sbyte expected, sbyte actual, string message = "") => Check(expected == actual, expected, actual, message);

        public static void AreEqual(bool expected, bool actual, string message = "") => Check(expected == actual, expected, actual, message);

        public static void AreEqual(float expected, float actual, string message = "") => Check(expected.Equals(actual), expected, actual, message);

        public static void AreEqual(double expected, double actual, string message = "") => Check(expected.Equals(actual), expected, actual, message);

        public static void AreEqual(string expected, string actual, string message = "") => Check(string.Equals(expected, actual, StringComparison.Ordinal), expected, actual, message);

        public static void AreEqual(object expected, object actual, string message = "") => Check(Equals(expected, actual), expected, actual, message);

        public static void IsTrue(bool condition, string message = "") => Xunit.Assert.True(condition, message);

        public static void IsFalse(bool condition, string message = "") => Xunit.Assert.False(condition, message);

        public static void IsNull(object value, string message = "") => Xunit.Assert.True(value == null, message);

        public static void IsNotNull(object value, string message = "") => Xunit.Assert.True(value != null, message);

        public static void ThrowsException(Type exceptionType, Action action, string message = "")
        {
            Exception e = Record.Exception(action);
            Xunit.Assert.True(e != null && exceptionType.IsInstanceOfType(e), message + ": expected " + exceptionType.Name + ", got " + (e == null ? "none" : e.GetType().Name));
        }

        private static void Check(bool equal, object expected, object actual, string message)
        {
            Xunit.Assert.True(equal, "Assert.AreEqual failed. Expected:<" + expected + ">. Actual:<" + actual + ">. " + message);
        }
    }
}
