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
Stand-in for the Python part of ``message_filters`` (ROS 2 Humble).

Mirrors ``src/message_filters/__init__.py`` of ``ros2/message_filters`` (read at commit
03ccc026, the Humble-era implementation): :class:`SimpleFilter`, :class:`Subscriber`,
:class:`Cache`, :class:`TimeSynchronizer` and :class:`ApproximateTimeSynchronizer`, with the
same behaviour, including what the real one does that a user might not expect:

- :class:`Subscriber` calls ``node.create_subscription(msg_type, topic, callback, **kwargs)``
  with ``qos_profile`` defaulting to 10, so it works with any node (a lifecycle node too) and
  everything else (``topic_name``, destroying) goes to the subscription object;
- a synchronizer keeps at most ``queue_size`` messages per input (keyed by stamp in
  nanoseconds: a second message with the same stamp replaces the first), drops the oldest
  beyond that, and drops an unmatched message only that way; a set is emitted when every
  input has a message whose stamp differs from the newest one's by at most ``slop`` and the
  spread of the set is *strictly* below ``slop``; emitted messages leave the queues;
- a message without ``header.stamp`` is refused with a warning unless ``allow_headerless``;
- callbacks run in the thread of the message that completed the set, under the
  synchronizer's lock (an exception raised by a callback propagates to that thread, as in the
  real one: the synchronizer then keeps its lock, as the real one does, and blocks for ever).
"""

import itertools
import threading

import rclpy
from rclpy.clock import ROSClock
from rclpy.duration import Duration
from rclpy.logging import LoggingSeverity
from rclpy.time import Time

_HEADERLESS = ('can not use message filters for messages without timestamp infomation when '
               "'allow_headerless' is disabled. auto assign ROSTime to headerless messages "
               "once enabling constructor option of 'allow_headerless'.")


def _stamp_of(msg, allow_headerless, logger_name):
    """
    Return the rclpy Time of ``msg.header.stamp``, or None for a refused headerless message.

    The same inline code in upstream's ``Cache.add`` and ``ApproximateTimeSynchronizer.add``:
    a message without ``header.stamp`` gets ROS time now with ``allow_headerless``, otherwise
    a warning on ``logger_name`` and is dropped.
    """
    if not hasattr(msg, 'header') or not hasattr(msg.header, 'stamp'):
        if not allow_headerless:
            logger = rclpy.logging.get_logger(logger_name)
            logger.set_level(LoggingSeverity.INFO)
            logger.warn(_HEADERLESS)
            return None
        return ROSClock().now()
    stamp = msg.header.stamp
    if not hasattr(stamp, 'nanoseconds'):
        stamp = Time.from_msg(stamp)
    return stamp


class SimpleFilter(object):
    """Base of every filter: a list of callbacks that :meth:`signalMessage` calls."""

    def __init__(self):
        self.callbacks = {}

    def registerCallback(self, cb, *args):
        """Register ``cb``, called with the filter's output followed by ``args``."""
        conn = len(self.callbacks)
        self.callbacks[conn] = (cb, args)
        return conn

    def signalMessage(self, *msg):
        """Call every registered callback with ``msg`` and its own extra arguments."""
        for (cb, args) in self.callbacks.values():
            cb(*(msg + args))


class Subscriber(SimpleFilter):
    """ROS 2 subscription filter: ``Subscriber(node, msg_type, topic, **kwargs)``."""

    def __init__(self, *args, **kwargs):
        SimpleFilter.__init__(self)
        self.node = args[0]
        self.topic = args[2]
        kwargs.setdefault('qos_profile', 10)
        self.sub = self.node.create_subscription(*args[1:], self.callback, **kwargs)

    def callback(self, msg):
        """Pass a received message on to the connected filters."""
        self.signalMessage(msg)

    def getTopic(self):
        """Return the topic name given to the constructor."""
        return self.topic

    def __getattr__(self, key):
        """Serve the subscription's attributes (``topic_name``, ``destroy``, ...)."""
        return self.sub.__getattribute__(key)


class Cache(SimpleFilter):
    """The last ``cache_size`` messages of a filter, by stamp."""

    def __init__(self, f, cache_size=1, allow_headerless=False):
        SimpleFilter.__init__(self)
        self.connectInput(f)
        self.cache_size = cache_size
        self.cache_msgs = []
        self.cache_times = []
        self.allow_headerless = allow_headerless

    def connectInput(self, f):
        """Listen to filter ``f``."""
        self.incoming_connection = f.registerCallback(self.add)

    def add(self, msg):
        """Store a message (dropping the oldest beyond ``cache_size``) and pass it on."""
        stamp = _stamp_of(msg, self.allow_headerless, 'message_filters_cache')
        if stamp is None:
            return
        self.cache_times.append(stamp)
        self.cache_msgs.append(msg)
        if len(self.cache_msgs) > self.cache_size:
            del self.cache_msgs[0]
            del self.cache_times[0]
        self.signalMessage(msg)

    def getInterval(self, from_stamp, to_stamp):
        """Return the cached messages with ``from_stamp <= stamp <= to_stamp``."""
        assert from_stamp <= to_stamp
        return [msg for (msg, time) in zip(self.cache_msgs, self.cache_times)
                if from_stamp <= time <= to_stamp]

    def getElemAfterTime(self, stamp):
        """Return the oldest message at or after ``stamp``, or None."""
        newer = [msg for (msg, time) in zip(self.cache_msgs, self.cache_times) if time >= stamp]
        return newer[0] if newer else None

    def getElemBeforeTime(self, stamp):
        """Return the newest message at or before ``stamp``, or None."""
        older = [msg for (msg, time) in zip(self.cache_msgs, self.cache_times) if time <= stamp]
        return older[-1] if older else None

    def getLastestTime(self):
        """Return the newest stamp, or None."""
        return self.cache_times[-1] if self.cache_times else None

    def getOldestTime(self):
        """Return the oldest stamp, or None."""
        return self.cache_times[0] if self.cache_times else None

    def getLast(self):
        """Return the newest message, or None."""
        if self.getLastestTime() is None:
            return None
        return self.getElemAfterTime(self.getLastestTime())


class TimeSynchronizer(SimpleFilter):
    """Emit sets of messages, one per input filter, with exactly equal stamps."""

    def __init__(self, fs, queue_size):
        SimpleFilter.__init__(self)
        self.connectInput(fs)
        self.queue_size = queue_size
        self.lock = threading.Lock()

    def connectInput(self, fs):
        """Listen to the filters ``fs`` (one queue each)."""
        self.queues = [{} for f in fs]
        self.input_connections = [
            f.registerCallback(self.add, q, i_q)
            for i_q, (f, q) in enumerate(zip(fs, self.queues))]

    def add(self, msg, my_queue, my_queue_index=None):
        """Queue a message; emit every complete set of equal stamps."""
        self.lock.acquire()
        stamp = Time.from_msg(msg.header.stamp)
        my_queue[stamp.nanoseconds] = msg
        while len(my_queue) > self.queue_size:
            del my_queue[min(my_queue)]
        common = set(self.queues[0]).intersection(*[set(q) for q in self.queues[1:]])
        for t in sorted(common):
            msgs = [q[t] for q in self.queues]
            self.signalMessage(*msgs)
            for q in self.queues:
                del q[t]
        self.lock.release()


class ApproximateTimeSynchronizer(TimeSynchronizer):
    """As :class:`TimeSynchronizer`, with stamps that may differ by less than ``slop`` s."""

    def __init__(self, fs, queue_size, slop, allow_headerless=False):
        TimeSynchronizer.__init__(self, fs, queue_size)
        self.slop = Duration(seconds=slop)
        self.allow_headerless = allow_headerless

    def add(self, msg, my_queue, my_queue_index=None):
        """Queue a message; emit the first set within ``slop`` that includes it."""
        stamp = _stamp_of(msg, self.allow_headerless, 'message_filters_approx')
        if stamp is None:
            return
        self.lock.acquire()
        my_queue[stamp.nanoseconds] = msg
        while len(my_queue) > self.queue_size:
            del my_queue[min(my_queue)]
        if my_queue_index is None:
            search_queues = self.queues
        else:
            search_queues = self.queues[:my_queue_index] + self.queues[my_queue_index + 1:]
        stamps = []
        for queue in search_queues:
            topic_stamps = []
            for s in queue:
                stamp_delta = Duration(nanoseconds=abs(s - stamp.nanoseconds))
                if stamp_delta > self.slop:
                    continue
                topic_stamps.append((Time(nanoseconds=s, clock_type=stamp.clock_type),
                                     stamp_delta))
            if not topic_stamps:
                self.lock.release()
                return
            topic_stamps = sorted(topic_stamps, key=lambda x: x[1])
            stamps.append(topic_stamps)
        for vv in itertools.product(*[list(zip(*s))[0] for s in stamps]):
            vv = list(vv)
            if my_queue_index is not None:
                vv.insert(my_queue_index, stamp)
            qt = list(zip(self.queues, vv))
            if ((max(vv) - min(vv)) < self.slop
                    and len([1 for q, t in qt if t.nanoseconds not in q]) == 0):
                msgs = [q[t.nanoseconds] for q, t in qt]
                self.signalMessage(*msgs)
                for q, t in qt:
                    del q[t.nanoseconds]
                break
        self.lock.release()
