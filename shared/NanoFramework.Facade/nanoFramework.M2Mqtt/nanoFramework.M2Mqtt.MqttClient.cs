// Declaration-only facade of nanoFramework.M2Mqtt 5.1 (package nanoFramework.M2Mqtt): the MqttClient members
// M2MqttTransport calls. See shared/nanoframework-api/nanoFramework.M2Mqtt.txt.

namespace nanoFramework.M2Mqtt
{
    using System.Collections;
    using System.Security.Cryptography.X509Certificates;
    using nanoFramework.M2Mqtt.Messages;

    public class MqttClient
    {
        public MqttClient(string brokerHostName, int brokerPort, bool secure, X509Certificate caCert, X509Certificate clientCert, MqttSslProtocols sslProtocol)
        {
        }

        public event IMqttClient.ConnectionClosedEventHandler ConnectionClosed
        {
            add { }
            remove { }
        }

        public event IMqttClient.MqttMsgPublishEventHandler MqttMsgPublishReceived
        {
            add { }
            remove { }
        }

        public event IMqttClient.MqttMsgPublishedEventHandler MqttMsgPublished
        {
            add { }
            remove { }
        }

        public bool IsConnected
        {
            get { throw null; }
        }

        public MqttReasonCode Connect(string clientId, string username, string password, bool cleanSession, ushort keepAlivePeriod)
        {
            throw null;
        }

        public void Disconnect()
        {
        }

        public void Dispose()
        {
        }

        public ushort Publish(string topic, byte[] message, string contentType, ArrayList userProperties, MqttQoSLevel qosLevel, bool retain)
        {
            throw null;
        }

        public ushort Subscribe(string[] topics, MqttQoSLevel[] qosLevels)
        {
            throw null;
        }
    }
}
