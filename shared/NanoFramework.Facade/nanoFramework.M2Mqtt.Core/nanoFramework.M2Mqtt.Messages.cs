// Declaration-only facade of nanoFramework.M2Mqtt.Core 5.1 (package nanoFramework.M2Mqtt): the message event
// arguments and enums the MQTT adapter uses. See shared/nanoframework-api/nanoFramework.M2Mqtt.Core.txt.

namespace nanoFramework.M2Mqtt.Messages
{
    using System;

    public class MqttMsgPublishEventArgs : EventArgs
    {
        public MqttMsgPublishEventArgs(string topic, byte[] message, bool dupFlag, MqttQoSLevel qosLevel, bool retain)
        {
        }

        public string Topic
        {
            get { throw null; }
        }

        public byte[] Message
        {
            get { throw null; }
        }
    }

    public class MqttMsgPublishedEventArgs : EventArgs
    {
        public MqttMsgPublishedEventArgs(ushort messageId, bool isPublished)
        {
        }

        public ushort MessageId
        {
            get { throw null; }
        }

        public bool IsPublished
        {
            get { throw null; }
        }
    }

    public enum MqttQoSLevel : byte
    {
        AtMostOnce = 0x00,
        AtLeastOnce = 0x01,
        ExactlyOnce = 0x02,
        GrantedFailure = 0x80,
    }

    public enum MqttReasonCode : byte
    {
        Success = 0x00,
    }
}

namespace nanoFramework.M2Mqtt
{
    public enum MqttSslProtocols
    {
        None,
        SSLv3,
        TLSv1_0,
        TLSv1_1,
        TLSv1_2,
        TLSv1_3,
    }
}
