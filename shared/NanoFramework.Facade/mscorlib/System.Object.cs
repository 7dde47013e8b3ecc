// Declaration-only facade of nanoFramework mscorlib 1.17 (package nanoFramework.CoreLibrary).
// Only what the device code uses and what the C# compiler needs for a core library; every public or
// protected member here must appear in shared/nanoframework-api/mscorlib.txt (checked by the tests).

namespace System
{
    public class Object
    {
        public virtual bool Equals(object obj)
        {
            throw null;
        }

        public virtual int GetHashCode()
        {
            throw null;
        }

        public virtual string ToString()
        {
            throw null;
        }
    }

    public abstract class ValueType
    {
    }

    public abstract class Enum : ValueType
    {
    }

    public struct Void
    {
    }

    public abstract class Array
    {
        public int Length
        {
            get { throw null; }
        }

        public static void Copy(Array sourceArray, int sourceIndex, Array destinationArray, int destinationIndex, int length)
        {
            throw null;
        }

        public static void Copy(Array sourceArray, Array destinationArray, int length)
        {
            throw null;
        }

        public static void Clear(Array array, int index, int length)
        {
            throw null;
        }
    }

    public abstract class Delegate
    {
    }

    public abstract class MulticastDelegate : Delegate
    {
    }

    public abstract class Type : Reflection.MemberInfo
    {
        public static Type GetTypeFromHandle(RuntimeTypeHandle handle)
        {
            throw null;
        }
    }

    public struct RuntimeTypeHandle
    {
    }

    public struct RuntimeFieldHandle
    {
    }

    public struct RuntimeMethodHandle
    {
    }

    public interface IDisposable
    {
        void Dispose();
    }
}
