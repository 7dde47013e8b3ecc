// Declaration-only facade of nanoFramework.System.Security.Cryptography 1.0 (package
// nanoFramework.System.Security.Cryptography; native HMAC through mbedTLS): the artifact tag's HMAC-SHA256.
// See shared/nanoframework-api/nanoFramework.System.Security.Cryptography.txt.

namespace System.Security.Cryptography
{
    public class HMACSHA256
    {
        public HMACSHA256(byte[] key)
        {
        }

        public byte[] ComputeHash(byte[] buffer)
        {
            throw null;
        }

        public void Dispose()
        {
        }
    }
}
