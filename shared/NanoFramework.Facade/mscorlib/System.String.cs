// Declaration-only facade of nanoFramework mscorlib 1.17: System.String. No Join, Replace,
// IsNullOrWhiteSpace or StringComparison overloads: nanoFramework 1.x does not have them.

namespace System
{
    public sealed class String
    {
        public static readonly string Empty;

        // nanoFramework's String has no parameterless constructor; this keeps the compiler from adding one.
        private String()
        {
        }

        public int Length
        {
            get { throw null; }
        }

        public static string Concat(object arg0, object arg1)
        {
            throw null;
        }

        public static string Concat(object arg0, object arg1, object arg2)
        {
            throw null;
        }

        public static string Concat(params object[] args)
        {
            throw null;
        }

        public static string Concat(string str0, string str1)
        {
            throw null;
        }

        public static string Concat(string str0, string str1, string str2)
        {
            throw null;
        }

        public static string Concat(string str0, string str1, string str2, string str3)
        {
            throw null;
        }

        public static string Concat(params string[] values)
        {
            throw null;
        }

        public string[] Split(params char[] separator)
        {
            throw null;
        }

        public static string Format(string format, params object[] args)
        {
            throw null;
        }

        public static bool operator ==(string a, string b)
        {
            throw null;
        }

        public static bool operator !=(string a, string b)
        {
            throw null;
        }
    }
}
