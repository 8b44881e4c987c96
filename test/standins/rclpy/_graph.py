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
In-process stand-in for the DDS graph behind rmw (stand-in only; no upstream module).

Every publisher and subscription of every node lives in :data:`GRAPH`. Publishing delivers a
deep copy of the message (a subscriber never shares the publisher's object, as after DDS
serialisation) into the queue of each *matching* subscription: same fully qualified topic name,
same message type and compatible QoS, as DDS matches endpoints:

- a RELIABLE subscription does not match a BEST_EFFORT publisher;
- a TRANSIENT_LOCAL subscription does not match a VOLATILE publisher;
- a TRANSIENT_LOCAL publisher keeps its last ``depth`` messages and replays them to a
  TRANSIENT_LOCAL subscription that joins later (this is how ``label_info`` reaches late
  subscribers);
- a KEEP_LAST subscription keeps at most ``depth`` pending messages (the oldest are dropped,
  the latest win); KEEP_ALL keeps every message.

Services and clients meet by fully qualified service name and service type: a request goes
(deep-copied) into the request queue of every matching service, the response back into the
response queue of the client that sent it (if it still exists), as through rmw. Entities whose
``destroy`` was requested refuse ``with handle:`` with ``InvalidHandle``, as rclpy's
``Destroyable`` does.

Queued messages are handed to callbacks only when an executor spins. ``count_publishers`` and
``count_subscribers`` count endpoints by topic name, whatever their QoS or type, as rcl does. An
incompatible pair is reported once per pair through the endpoints' ``incompatible_qos`` event
callbacks, or by a warning from the ``rclpy.qos_event`` logger when none was given.
"""

import collections
import copy
import threading

from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.qos import DurabilityPolicy
from rclpy.qos import HistoryPolicy
from rclpy.qos import QoSPolicyKind
from rclpy.qos import ReliabilityPolicy


def type_name(msg_type):
    """Return ``pkg/msg/Name`` of a message class."""
    return f'{msg_type.__module__.split(".")[0]}/msg/{msg_type.__name__}'


def service_type_name(srv_type):
    """Return ``pkg/srv/Name`` of a service class."""
    return f'{srv_type.__module__.split(".")[0]}/srv/{srv_type.__name__}'


def _depth(qos):
    if qos.history == HistoryPolicy.KEEP_ALL:
        return None
    return max(int(qos.depth), 1)


def _reliable(qos):
    return qos.reliability in (ReliabilityPolicy.RELIABLE, ReliabilityPolicy.SYSTEM_DEFAULT)


def _transient(qos):
    return qos.durability == DurabilityPolicy.TRANSIENT_LOCAL


def incompatible_policy(pub_qos, sub_qos):
    """Return the QoSPolicyKind that keeps two endpoints apart, or None if they match."""
    if _reliable(sub_qos) and not _reliable(pub_qos):
        return QoSPolicyKind.RELIABILITY
    if _transient(sub_qos) and not _transient(pub_qos):
        return QoSPolicyKind.DURABILITY
    return None


class _Endpoint:

    def __init__(self, node, topic, msg_type, qos, event_callbacks):
        self.node = node
        self.context = node.context
        self.topic = topic
        self.msg_type = msg_type
        self.type_name = type_name(msg_type)
        self.qos = qos
        self.event_callbacks = event_callbacks
        self.destroyed = False
        self.destruction_requested = False

    def get_topic_name(self):
        return self.topic

    def __enter__(self):
        # rclpy/src/rclpy/destroyable.cpp: Destroyable::enter
        if self.destruction_requested:
            raise _rclpy.InvalidHandle('cannot use Destroyable because destruction was requested')
        return self

    def __exit__(self, *exc_info):
        return False

    def destroy_when_not_in_use(self):
        self.destruction_requested = True
        GRAPH.remove(self)


class PublisherImpl(_Endpoint):
    """The rmw side of one publisher."""

    def __init__(self, node, topic, msg_type, qos, event_callbacks=None):
        super().__init__(node, topic, msg_type, qos, event_callbacks)
        self.history = collections.deque(maxlen=_depth(qos)) if _transient(qos) else None

    def publish(self, msg):
        GRAPH.publish(self, msg)

    def get_subscription_count(self):
        return GRAPH.matched(self)


class SubscriptionImpl(_Endpoint):
    """The rmw side of one subscription: a queue of received messages."""

    def __init__(self, node, topic, msg_type, qos, event_callbacks=None):
        super().__init__(node, topic, msg_type, qos, event_callbacks)
        self.queue = collections.deque(maxlen=_depth(qos))

    def take_message(self):
        with GRAPH.cond:
            if not self.queue:
                return None
            return self.queue.popleft()

    def get_publisher_count(self):
        return GRAPH.matched(self)


def _pop_pair(queue):
    """Return the oldest pair of a request/response queue, or ``(None, None)``."""
    with GRAPH.cond:
        return queue.popleft() if queue else (None, None)


class RequestHeader:
    """``rmw_request_id_t``-like header of a request: the sending client and a sequence number."""

    def __init__(self, client, sequence_number):
        self.client = client
        self.sequence_number = sequence_number

    @property
    def request_id(self):
        return self


class ServiceImpl(_Endpoint):
    """The rmw side of one service server: a queue of ``(request, header)``."""

    def __init__(self, node, name, srv_type, qos):
        super().__init__(node, name, srv_type, qos, None)
        self.type_name = service_type_name(srv_type)
        self.requests = collections.deque(maxlen=_depth(qos))

    @property
    def name(self):
        return self.topic

    def service_take_request(self):
        return _pop_pair(self.requests)

    def service_send_response(self, response, header):
        GRAPH.deliver_response(self, response, header)


class ClientImpl(_Endpoint):
    """The rmw side of one service client: a queue of ``(header, response)``."""

    def __init__(self, node, name, srv_type, qos):
        super().__init__(node, name, srv_type, qos, None)
        self.type_name = service_type_name(srv_type)
        self.responses = collections.deque()
        self._sequence = 0

    def send_request(self, request):
        with GRAPH.cond:
            self._sequence += 1
            GRAPH.deliver_request(self, request, RequestHeader(self, self._sequence))
            return self._sequence

    def take_response(self):
        return _pop_pair(self.responses)

    def service_server_is_available(self):
        return GRAPH.count_services(self.topic, self.type_name) > 0


class _IncompatibleQoSInfo:
    """Event data of an incompatible QoS pair (``rmw_*_incompatible_qos_status_t``)."""

    def __init__(self, total_count, last_policy_kind):
        self.total_count = total_count
        self.total_count_change = 1
        self.last_policy_kind = last_policy_kind


class Graph:
    """All endpoints of the process."""

    def __init__(self):
        self.cond = threading.Condition(threading.RLock())
        self.generation = 0
        self.publishers = []
        self.subscriptions = []
        self.nodes = []
        self.services = []
        self.clients = []
        self._incompatible_counts = collections.Counter()

    def notify(self):
        """Wake every executor waiting for work."""
        with self.cond:
            self.generation += 1
            self.cond.notify_all()

    def wait(self, generation, timeout):
        """Wait until :meth:`notify` was called after ``generation`` was read, or timeout."""
        with self.cond:
            return self.cond.wait_for(lambda: self.generation != generation, timeout)

    def add_node(self, node):
        with self.cond:
            self.nodes.append(node)

    def remove_node(self, node):
        with self.cond:
            if node in self.nodes:
                self.nodes.remove(node)
            for endpoint in [e for e in self._endpoints() if e.node is node]:
                endpoint.destruction_requested = True   # the node's handles die with it
                self.remove(endpoint)

    def remove_context(self, context):
        with self.cond:
            self.nodes = [n for n in self.nodes if n.context is not context]
            for endpoint in [e for e in self._endpoints() if e.context is context]:
                self.remove(endpoint)
            self.generation += 1
            self.cond.notify_all()

    def add_publisher(self, pub):
        with self.cond:
            self.publishers.append(pub)
            for sub in self.subscriptions:
                if sub.topic == pub.topic:
                    self._check_pair(pub, sub)
            self.generation += 1
            self.cond.notify_all()

    def add_subscription(self, sub):
        with self.cond:
            self.subscriptions.append(sub)
            for pub in self.publishers:
                if pub.topic != sub.topic or not self._check_pair(pub, sub):
                    continue
                if pub.history is not None and _transient(sub.qos):
                    for msg in pub.history:
                        sub.queue.append(copy.deepcopy(msg))
            self.generation += 1
            self.cond.notify_all()

    def _endpoints(self):
        return self.publishers + self.subscriptions + self.services + self.clients

    def add_service(self, srv):
        self._add(self.services, srv)

    def add_client(self, client):
        self._add(self.clients, client)

    def _add(self, endpoints, endpoint):
        with self.cond:
            endpoints.append(endpoint)
            self.generation += 1
            self.cond.notify_all()

    def count_services(self, name, type_name):
        with self.cond:
            return sum(1 for s in self.services if s.topic == name and s.type_name == type_name)

    def deliver_request(self, client, request, header):
        if not client.context.ok():
            raise _rclpy.RCLError("failed to send request: client's context is invalid")
        with self.cond:
            for srv in self.services:
                if srv.topic == client.topic and srv.type_name == client.type_name:
                    srv.requests.append((copy.deepcopy(request), header))
            self.generation += 1
            self.cond.notify_all()

    def deliver_response(self, srv, response, header):
        if not srv.context.ok():
            raise _rclpy.RCLError("failed to send response: service's context is invalid")
        with self.cond:
            client = header.client
            if not client.destroyed:
                client.responses.append((header, copy.deepcopy(response)))
            self.generation += 1
            self.cond.notify_all()

    def remove(self, endpoint):
        with self.cond:
            endpoint.destroyed = True
            for endpoints in (self.publishers, self.subscriptions, self.services, self.clients):
                if endpoint in endpoints:
                    endpoints.remove(endpoint)
            self.generation += 1
            self.cond.notify_all()

    def _check_pair(self, pub, sub):
        """Return True if the pair matches; report an incompatible QoS pair once."""
        if pub.type_name != sub.type_name:
            return False
        policy = incompatible_policy(pub.qos, sub.qos)
        if policy is None:
            return True
        for endpoint, peer, what in ((sub, pub, 'publisher'), (pub, sub, 'subscription')):
            self._incompatible_counts[id(endpoint)] += 1
            info = _IncompatibleQoSInfo(self._incompatible_counts[id(endpoint)], policy)
            callback = getattr(endpoint.event_callbacks, 'incompatible_qos', None)
            if callback is not None:
                callback(info)
            elif getattr(endpoint.event_callbacks, 'use_default_callbacks', True):
                from rclpy.logging import get_logger
                verb = 'offering' if what == 'publisher' else 'requesting'
                other = ('No messages will be received from it.' if what == 'publisher'
                         else 'No messages will be sent to it.')
                get_logger('rclpy.qos_event').warning(
                    f"New {what} discovered on topic '{endpoint.topic}', {verb} incompatible "
                    f'QoS. {other} Last incompatible policy: {policy.name}')
        return False

    def publish(self, pub, msg):
        if pub.destroyed or not pub.context.ok():
            raise _rclpy.RCLError(
                "Failed to publish: publisher's context is invalid" if not pub.context.ok()
                else 'Failed to publish: publisher is invalid')
        with self.cond:
            if pub.history is not None:
                pub.history.append(copy.deepcopy(msg))
            for sub in self.subscriptions:
                if (sub.topic == pub.topic and sub.type_name == pub.type_name and
                        incompatible_policy(pub.qos, sub.qos) is None):
                    sub.queue.append(copy.deepcopy(msg))
            self.generation += 1
            self.cond.notify_all()

    def matched(self, endpoint):
        """
        Return how many endpoints are matched with ``endpoint`` (rmw ``*_count_matched_*``).

        DDS matches a publisher and a subscription of the same topic and type with compatible
        QoS only: an incompatible peer is in the graph (``count_subscribers``) but not matched
        (``Publisher.get_subscription_count``).
        """
        with self.cond:
            if endpoint in self.publishers:
                return sum(1 for sub in self.subscriptions if sub.topic == endpoint.topic and
                           sub.type_name == endpoint.type_name and
                           incompatible_policy(endpoint.qos, sub.qos) is None)
            return sum(1 for pub in self.publishers if pub.topic == endpoint.topic and
                       pub.type_name == endpoint.type_name and
                       incompatible_policy(pub.qos, endpoint.qos) is None)

    def count(self, kind, topic):
        with self.cond:
            endpoints = self.publishers if kind == 'pub' else self.subscriptions
            return sum(1 for e in endpoints if e.topic == topic)

    def topic_names_and_types(self):
        with self.cond:
            topics = collections.defaultdict(set)
            for endpoint in self.publishers + self.subscriptions:
                topics[endpoint.topic].add(endpoint.type_name)
            return sorted((name, sorted(types)) for name, types in topics.items())

    def clear(self):
        with self.cond:
            for endpoint in self._endpoints():
                endpoint.destroyed = True
            self.publishers.clear()
            self.subscriptions.clear()
            self.services.clear()
            self.clients.clear()
            self.nodes.clear()
            self._incompatible_counts.clear()
            self.generation += 1
            self.cond.notify_all()


GRAPH = Graph()
"""The process-wide graph."""
