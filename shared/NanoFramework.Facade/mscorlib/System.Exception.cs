// Declaration-only facade of nanoFramework mscorlib 1.17: the exceptions the device code throws or catches.

namespace System
{
    public class Exception
    {
        public Exception()
        {
        }

        public Exception(string message)
        {
        }

        public string Message
        {
            get { throw null; }
        }
    }

    public class SystemException : Exception
    {
        public SystemException()
        {
        }

        public SystemException(string message)
            : base(message)
        {
        }
    }

    public class ArgumentException : SystemException
    {
        public ArgumentException()
        {
        }

        public ArgumentException(string message)
            : base(message)
        {
        }
    }

    public class ArgumentNullException : ArgumentException
    {
        public ArgumentNullException(string paramName)
        {
        }
    }

    public class ArgumentOutOfRangeException : ArgumentException
    {
        public ArgumentOutOfRangeException(string paramName, string message)
        {
        }
    }

    public class InvalidOperationException : SystemException
    {
        public InvalidOperationException(string message)
            : base(message)
        {
        }
    }
}
