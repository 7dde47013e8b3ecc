// Declaration-only facade of nanoFramework.System.Text 1.3 (package nanoFramework.System.Text).
// Only the members the device code uses; see shared/nanoframework-api/nanoFramework.System.Text.txt.

namespace System.Text
{
    public abstract class Encoding
    {
        public static Encoding UTF8
        {
            get { throw null; }
        }

        public virtual byte[] GetBytes(string s)
        {
            throw null;
        }

        public virtual string GetString(byte[] bytes, int index, int count)
        {
            throw null;
        }
    }
}
