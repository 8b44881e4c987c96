# Copyright 2026 The jetson_dnn_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
Stand-in for ``rclpy/rclpy/subscription.py`` (branch humble).

Received messages wait in the subscription's queue (bounded by the QoS depth for KEEP_LAST) until
an executor spins; each executed callback takes one message.
"""

from rclpy.qos_event import SubscriptionEventCallbacks


class Subscription:
    """A subscription to a topic (create it with ``Node.create_subscription``)."""

    def __init__(self, subscription_impl, msg_type, topic, callback, callback_group,
                 qos_profile, raw, event_callbacks=None):
        self.__subscription = subscription_impl
        self.msg_type = msg_type
        self.topic = topic
        self.callback = callback
        self.callback_group = callback_group
        self._executor_event = False
        self.qos_profile = qos_profile
        self.raw = raw
        self.event_callbacks = event_callbacks or SubscriptionEventCallbacks()
        self.event_handlers = self.event_callbacks.create_event_handlers(
            callback_group, subscription_impl, topic)

    def get_publisher_count(self):
        """Return the number of publishers matched with this subscription (compatible QoS)."""
        return self.__subscription.get_publisher_count()

    @property
    def handle(self):
        """Return the underlying endpoint."""
        return self.__subscription

    @property
    def topic_name(self):
        """Return the fully qualified topic name."""
        return self.__subscription.get_topic_name()

    def destroy(self):
        """Destroy the subscription (prefer ``Node.destroy_subscription``)."""
        for handler in self.event_handlers:
            handler.destroy()
        self.__subscription.destroy_when_not_in_use()
