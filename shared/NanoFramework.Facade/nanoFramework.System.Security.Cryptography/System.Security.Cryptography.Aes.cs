// Declaration-only facade of nanoFramework.System.Security.Cryptography 1.0: native AES (mbedTLS), used in ECB
// mode one batch of counter blocks at a time for the sealed artifacts' CTR keystream.
// See shared/nanoframework-api/nanoFramework.System.Security.Cryptography.txt.

namespace System.Security.Cryptography
{
    public class Aes
    {
        public Aes(CipherMode mode)
        {
        }

        public byte[] Key
        {
            get { throw null; }
            set { }
        }

        public byte[] Encrypt(byte[] data)
        {
            throw null;
        }
    }
}
