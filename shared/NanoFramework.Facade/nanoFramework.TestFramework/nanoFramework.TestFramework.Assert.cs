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
