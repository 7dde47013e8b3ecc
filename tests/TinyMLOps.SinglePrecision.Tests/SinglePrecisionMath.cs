namespace System
{
    /// <summary>
    /// System.Math as a board built without CONFIG_NF_ENABLE_DOUBLE_PRECISION_FP computes it: every argument and result
    /// goes through float (expf, logf, floorf, roundf). Device sources compiled into this assembly bind to it.
    /// </summary>
    internal static class Math
    {
        public static double Exp(double d) => MathF.Exp((float)d);

        public static double Log(double d) => MathF.Log((float)d);

        public static double Floor(double d) => MathF.Floor((float)d);

        public static double Round(double a) => MathF.Round((float)a);

        public static double Abs(double value) => MathF.Abs((float)value);

        public static int Abs(int value) => value < 0 ? -value : value;

        public static int Max(int val1, int val2) => val1 > val2 ? val1 : val2;

        public static int Min(int val1, int val2) => val1 < val2 ? val1 : val2;

        public static double Max(double val1, double val2) => MathF.Max((float)val1, (float)val2);

        public static double Min(double val1, double val2) => MathF.Min((float)val1, (float)val2);
    }
}
