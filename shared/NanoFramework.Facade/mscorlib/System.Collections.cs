// Declaration-only facade of nanoFramework mscorlib 1.17: the non-generic enumeration interfaces that
// foreach binds to. System.Collections.Generic does not exist in nanoFramework 1.x.

namespace System.Collections
{
    public interface IEnumerable
    {
        IEnumerator GetEnumerator();
    }

    public interface IEnumerator
    {
        object Current { get; }

        bool MoveNext();

        void Reset();
    }
}
