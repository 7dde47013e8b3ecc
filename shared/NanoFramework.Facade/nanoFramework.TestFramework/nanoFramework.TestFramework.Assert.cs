// Declaration-only facade of nanoFramework.TestFramework 3.0 (package nanoFramework.TestFramework): the attributes and
// assertions of tests/TinyMLOps.Firmware.NanoTests, which run on nanoCLR. See shared/nanoframework-api/nanoFramework.TestFramework.txt.

namespace nanoFramework.TestFramework
{
    using System;

    public class TestClassAttribute : Attribute
    {
    }

    public class TestMethodAttribute : Attribute
    {
    }

    public class Assert
    {
        public static void AreEqual(long expected, long actual, string message)
        {
            throw null;
        }

        public static void AreEqual(double expected, double actual, string message)
        {
            throw null;
        }

        public static void AreEqual(float expected, float actual, string message)
        {
            throw null;
        }

        public static void AreEqual(byte expected, byte actual, string message)
        {
            throw null;
        }

        public static void AreEqual(sbyte expected, sbyte actual, string message)
        {
            throw null;
        }

        public static void AreEqual(bool expected, bool actual, string message)
        {
            throw null;
        }

        public static void AreEqual(object expected, object actual, string message)
        {
            throw null;
        }

        public static void AreEqual(int expected, int actual, string message)
        {
        }

        public static void AreEqual(uint expected, uint actual, string message)
        {
        }

        public static void AreEqual(ulong expected, ulong actual, string message)
        {
        }

        public static void AreEqual(string expected, string actual, string message)
        {
        }

        public static void IsTrue(bool condition, string message)
        {
        }

        public static void IsFalse(bool condition, string message)
        {
        }

        public static void IsNull(object value, string message)
        {
        }

        public static void IsNotNull(object value, string message)
        {
        }
    }
}
