// Declaration-only facade of nanoFramework System.Net 1.11 (package nanoFramework.System.Net): the X.509
// certificate the MQTT adapter builds from the broker CA's PEM bytes. See shared/nanoframework-api/System.Net.txt.

namespace System.Security.Cryptography.X509Certificates
{
    public class X509Certificate
    {
        public X509Certificate(byte[] certificate)
        {
        }
    }
}
