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
Stand-in for ``rclpy/rclpy/publisher.py`` (branch humble).

``publish`` accepts only instances of the publisher's message type (``TypeError`` otherwise,
with upstream's text); the stand-in does not support publishing serialised ``bytes``. As
upstream, ``publish``, ``get_subscription_count`` and ``topic_name`` enter ``with self.handle:``,
so once the publisher was destroyed they raise ``InvalidHandle`` ("cannot use Destroyable because
destruction was requested").
"""

from rclpy.qos_event import PublisherEventCallbacks


class Publisher:
    """A publisher on a topic (create it with ``Node.create_publisher``)."""

    def __init__(self, publisher_impl, msg_type, topic, qos_profile, event_callbacks=None,
                 callback_group=None):
        self.__publisher = publisher_impl
        self.msg_type = msg_type
        self.topic = topic
        self.qos_profile = qos_profile
        self.event_callbacks = event_callbacks or PublisherEventCallbacks()
        self.event_handlers = self.event_callbacks.create_event_handlers(
            callback_group, publisher_impl, topic)

    def publish(self, msg):
        """
        Send a message to every matching subscription.

        :param msg: an instance of ``msg_type``.
        :raises TypeError: for any other object.
        :raises InvalidHandle: once the publisher was destroyed.
        """
        with self.handle:
            if isinstance(msg, self.msg_type):
                self.__publisher.publish(msg)
            elif isinstance(msg, bytes):
                raise NotImplementedError(
                    'the rclpy stand-in does not publish serialized messages')
            else:
                raise TypeError('Expected {}, got {}'.format(self.msg_type, type(msg)))

    def get_subscription_count(self):
        """Return the number of subscriptions matched with this publisher (compatible QoS)."""
        with self.handle:
            return self.__publisher.get_subscription_count()

    @property
    def topic_name(self):
        """Return the fully qualified topic name."""
        with self.handle:
            return self.__publisher.get_topic_name()

    @property
    def handle(self):
        """Return the underlying endpoint."""
        return self.__publisher

    def destroy(self):
        """Destroy the publisher (prefer ``Node.destroy_publisher``)."""
        for handler in self.event_handlers:
            handler.destroy()
        self.__publisher.destroy_when_not_in_use()

    def assert_liveliness(self):
        """Assert liveliness (no-op in the stand-in)."""
