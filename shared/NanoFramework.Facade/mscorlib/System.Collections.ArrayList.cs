// Declaration-only facade of nanoFramework mscorlib 1.17: ArrayList, the growable list of the 1.x API.

namespace System.Collections
{
    public class ArrayList : IEnumerable
    {
        public ArrayList()
        {
        }

        public virtual int Count
        {
            get { throw null; }
        }

        public virtual object this[int index]
        {
            get { throw null; }
            set { }
        }

        public virtual int Add(object value)
        {
            throw null;
        }

        public virtual void Clear()
        {
        }

        public virtual void Insert(int index, object value)
        {
        }

        public virtual void RemoveAt(int index)
        {
        }

        public virtual void Remove(object value)
        {
        }

        public virtual int IndexOf(object value)
        {
            throw null;
        }

        public virtual bool Contains(object value)
        {
            throw null;
        }

        public virtual object[] ToArray()
        {
            throw null;
        }

        public virtual IEnumerator GetEnumerator()
        {
            throw null;
        }
    }
}
