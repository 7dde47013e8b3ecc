// Declaration-only facade of nanoFramework mscorlib 1.17: the primitive types. Members are only those the
// device code calls (and that string concatenation binds to); see shared/nanoframework-api/mscorlib.txt.

namespace System
{
    public struct Boolean
    {
    }

    public struct Char
    {
    }

    public struct SByte
    {
    }

    public struct Byte
    {
        public override string ToString()
        {
            throw null;
        }

        public string ToString(string format)
        {
            throw null;
        }
    }

    public struct Int16
    {
    }

    public struct UInt16
    {
    }

    public struct Int32
    {
        public const int MaxValue = 0x7FFFFFFF;
        public const int MinValue = unchecked((int)0x80000000);

        public override string ToString()
        {
            throw null;
        }

        public string ToString(string format)
        {
            throw null;
        }
    }

    public struct UInt32
    {
        public override string ToString()
        {
            throw null;
        }

        public string ToString(string format)
        {
            throw null;
        }
    }

    public struct Int64
    {
        public override string ToString()
        {
            throw null;
        }
    }

    public struct UInt64
    {
    }

    public struct Single
    {
        public static bool IsInfinity(float f)
        {
            throw null;
        }
    }

    public struct Double
    {
        public const double NaN = 0.0 / 0.0;

        public static bool IsInfinity(double d)
        {
            throw null;
        }

        public static bool IsNaN(double d)
        {
            throw null;
        }
    }

    public struct IntPtr
    {
    }

    public struct UIntPtr
    {
    }
}
