// Declaration-only facade of nanoFramework System.Math 1.5 (package nanoFramework.System.Math).
// Only the members the device code uses; see shared/nanoframework-api/System.Math.txt.

namespace System
{
    public static class Math
    {
        public static double Abs(double value)
        {
            throw null;
        }

        public static float Abs(float value)
        {
            throw null;
        }

        public static int Abs(int value)
        {
            throw null;
        }

        public static double Exp(double d)
        {
            throw null;
        }

        public static double Floor(double d)
        {
            throw null;
        }

        public static double Log(double d)
        {
            throw null;
        }

        public static double Max(double val1, double val2)
        {
            throw null;
        }

        public static int Max(int val1, int val2)
        {
            throw null;
        }

        public static double Min(double val1, double val2)
        {
            throw null;
        }

        public static int Min(int val1, int val2)
        {
            throw null;
        }

        public static double Round(double a)
        {
            throw null;
        }
    }
}
