// Declaration-only facade of nanoFramework mscorlib 1.17: System.Console (debug output that survives Release
// builds, unlike Debug.WriteLine).

namespace System
{
    public static class Console
    {
        public static void WriteLine(string value)
        {
        }
    }
}
