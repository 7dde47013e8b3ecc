// Declaration-only facade of nanoFramework.System.Security.Cryptography 1.0. See
// shared/nanoframework-api/nanoFramework.System.Security.Cryptography.txt.

namespace System.Security.Cryptography
{
    public enum CipherMode
    {
        None,
        ECB,
        CBC,
    }
}
