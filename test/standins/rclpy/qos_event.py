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
Stand-in for ``rclpy/rclpy/qos_event.py`` (branch humble): event callback holders.

Only ``incompatible_qos`` is ever triggered by the stand-in graph; it is called synchronously
when an incompatible pair is discovered (upstream: from the executor, shortly afterwards). With
no callback and ``use_default_callbacks`` True a warning is logged instead.
"""


class PublisherEventCallbacks:
    """Container of the publisher's event callbacks."""

    def __init__(self, *, deadline=None, incompatible_qos=None, liveliness=None,
                 use_default_callbacks=True):
        self.deadline = deadline
        self.incompatible_qos = incompatible_qos
        self.liveliness = liveliness
        self.use_default_callbacks = use_default_callbacks

    def create_event_handlers(self, callback_group, publisher_handle, topic_name):
        """Return the event handlers to add to the node (none in the stand-in)."""
        return []


class SubscriptionEventCallbacks:
    """Container of the subscription's event callbacks."""

    def __init__(self, *, deadline=None, incompatible_qos=None, liveliness=None,
                 message_lost=None, use_default_callbacks=True):
        self.deadline = deadline
        self.incompatible_qos = incompatible_qos
        self.liveliness = liveliness
        self.message_lost = message_lost
        self.use_default_callbacks = use_default_callbacks

    def create_event_handlers(self, callback_group, subscription_handle, topic_name):
        """Return the event handlers to add to the node (none in the stand-in)."""
        return []
