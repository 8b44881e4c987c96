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
Helpers that exist only in the rclpy stand-in (no upstream module; not for node code).

Tests that must also run against a real ROS 2 install should use the public API (a second
node with a subscription, an executor, ``trigger_*``) and keep these helpers to fixtures.
"""

from rclpy import _graph


def is_standin():
    """Return True (the real rclpy has no ``rclpy._standin``)."""
    return True


def reset():
    """Forget every node, endpoint and the global context/executor (test teardown)."""
    import rclpy
    rclpy.try_shutdown()
    _graph.GRAPH.clear()


def spin_until_idle(executor, *, max_callbacks=10000):
    """
    Run ready callbacks without waiting until none is ready; return how many ran.

    :param executor: an executor with the nodes to run.
    :param max_callbacks: safety bound against callbacks that keep themselves ready.
    :raises RuntimeError: if ``max_callbacks`` callbacks ran and work remained.
    """
    count = 0
    while executor._context.ok() and executor._ready() is not None:
        if count >= max_callbacks:
            raise RuntimeError(f'still busy after {max_callbacks} callbacks')
        executor.spin_once(timeout_sec=0)
        count += 1
    return count


def pending(subscription):
    """Return how many received messages wait in a subscription's queue."""
    return len(subscription.handle.queue)


def endpoints(topic):
    """Return ``[(kind, node_name, type_name, qos), ...]`` of the endpoints on a topic."""
    with _graph.GRAPH.cond:
        return [(kind, e.node.get_name(), e.type_name, e.qos)
                for kind, group in (('publisher', _graph.GRAPH.publishers),
                                    ('subscription', _graph.GRAPH.subscriptions))
                for e in group if e.topic == topic]
