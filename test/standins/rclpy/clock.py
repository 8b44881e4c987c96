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
Stand-in for ``rclpy/rclpy/clock.py`` (branch humble).

``Clock(clock_type=...)`` returns a :class:`ROSClock` for ``ROS_TIME``, as upstream.
``SYSTEM_TIME`` reads ``time.time_ns()``, ``STEADY_TIME`` ``time.monotonic_ns()``. A ROS clock
reads system time until ROS time is activated (``use_sim_time``, or
``_set_ros_time_is_active(True)``); it then returns the last ``set_ros_time_override`` value (0
before the first), which is how tests move time: timers created on that clock fire from the
executor once the override passes their next call time. Jump callbacks are not supported.
"""

import time as _time

from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.time import Time

ClockType = _rclpy.ClockType


class Clock:
    """A source of :class:`rclpy.time.Time` of one clock type."""

    def __new__(cls, *, clock_type=ClockType.SYSTEM_TIME):
        if not isinstance(clock_type, ClockType):
            raise TypeError('Clock type must be a ClockType enum')
        if clock_type is ClockType.ROS_TIME:
            self = super().__new__(ROSClock)
        else:
            self = super().__new__(cls)
        self._clock_type = clock_type
        self._ros_time_is_active = False
        self._ros_time_override = 0
        return self

    @property
    def clock_type(self):
        """Return the :class:`ClockType`."""
        return self._clock_type

    def __repr__(self):
        return 'Clock(clock_type={0})'.format(self.clock_type.name)

    def now(self):
        """Return the current time of this clock."""
        if self._clock_type is ClockType.STEADY_TIME:
            nanoseconds = _time.monotonic_ns()
        elif self._clock_type is ClockType.ROS_TIME and self._ros_time_is_active:
            nanoseconds = self._ros_time_override
        else:
            nanoseconds = _time.time_ns()
        return Time(nanoseconds=nanoseconds, clock_type=self._clock_type)


class ROSClock(Clock):
    """A clock of type ROS_TIME that can be driven by ``/clock`` (simulated time)."""

    def __new__(cls):
        return super().__new__(Clock, clock_type=ClockType.ROS_TIME)

    @property
    def ros_time_is_active(self):
        """Return True if the clock reports the overridden (simulated) time."""
        return self._ros_time_is_active

    def _set_ros_time_is_active(self, enabled):
        # Upstream: only to be called by a TimeSource managing the clock.
        self._ros_time_is_active = bool(enabled)
        from rclpy import _graph
        _graph.GRAPH.notify()

    def set_ros_time_override(self, time):
        """
        Set the simulated time, used while ROS time is active.

        :param time: a :class:`rclpy.time.Time` of type ROS_TIME.
        """
        if not isinstance(time, Time):
            raise TypeError('Time must be specified as rclpy.time.Time')
        self._ros_time_override = time.nanoseconds
        from rclpy import _graph
        _graph.GRAPH.notify()
