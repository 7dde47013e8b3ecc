// Declaration-only facade of nanoFramework.M2Mqtt.Core 5.1 (package nanoFramework.M2Mqtt): the event handler
// delegates MqttClient's events are typed with. See shared/nanoframework-api/nanoFramework.M2Mqtt.Core.txt.

namespace nanoFramework.M2Mqtt
{
    using System;
    using nanoFramework.M2Mqtt.Messages;

    public interface IMqttClient
    {
        public delegate void ConnectionClosedEventHandler(object sender, EventArgs e);

        public delegate void MqttMsgPublishEventHandler(object sender, MqttMsgPublishEventArgs e);

        public delegate void MqttMsgPublishedEventHandler(object sender, MqttMsgPublishedEventArgs e);
    }
}
