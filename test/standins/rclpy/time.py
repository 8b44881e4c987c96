# noqa: A005 -- stand-in for rclpy.time: keeps rclpy's module name, shadowing stdlib time
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
Stand-in for ``rclpy/rclpy/time.py`` (branch humble).

A point in time of one clock type, in integer nanoseconds since the clock's epoch; converts to
and from ``builtin_interfaces/msg/Time``. Mixing clock types in arithmetic or comparisons raises
``TypeError`` as upstream.
"""

from rclpy.constants import S_TO_NS as CONVERSION_CONSTANT
from rclpy.duration import Duration
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy


class Time:
    """A point in time of one clock type, in nanoseconds."""

    def __init__(self, *, seconds=0, nanoseconds=0, clock_type=_rclpy.ClockType.SYSTEM_TIME):
        if not isinstance(clock_type, _rclpy.ClockType):
            raise TypeError('Clock type must be a ClockType enum')
        if seconds < 0:
            raise ValueError('Seconds value must not be negative')
        if nanoseconds < 0:
            raise ValueError('Nanoseconds value must not be negative')
        total_nanoseconds = int(seconds * CONVERSION_CONSTANT)
        total_nanoseconds += int(nanoseconds)
        if total_nanoseconds >= 2**63:
            raise OverflowError(
                'Total nanoseconds value is too high to be stored in C time point.')
        self._nanoseconds = total_nanoseconds
        self._clock_type = clock_type

    @property
    def nanoseconds(self):
        """Return nanoseconds since the clock's epoch."""
        return self._nanoseconds

    def seconds_nanoseconds(self):
        """Return ``(seconds, nanoseconds)`` with nanoseconds in [0, 1e9)."""
        nanoseconds = self.nanoseconds
        return (nanoseconds // CONVERSION_CONSTANT, nanoseconds % CONVERSION_CONSTANT)

    @property
    def clock_type(self):
        """Return the :class:`ClockType`."""
        return self._clock_type

    def __repr__(self):
        return 'Time(nanoseconds={0}, clock_type={1})'.format(
            self.nanoseconds, self.clock_type.name)

    def __add__(self, other):
        if isinstance(other, Duration):
            try:
                return Time(nanoseconds=(self.nanoseconds + other.nanoseconds),
                            clock_type=self.clock_type)
            except OverflowError as e:
                raise OverflowError('addition leads to int overflow in C') from e
        return NotImplemented

    def __radd__(self, other):
        return self.__add__(other)

    def __sub__(self, other):
        if isinstance(other, Time):
            if self.clock_type != other.clock_type:
                raise TypeError("Can't subtract times with different clock types")
            return Duration(nanoseconds=(self.nanoseconds - other.nanoseconds))
        if isinstance(other, Duration):
            return Time(nanoseconds=(self.nanoseconds - other.nanoseconds),
                        clock_type=self.clock_type)
        return NotImplemented

    def _check(self, other):
        if not isinstance(other, Time):
            raise TypeError("Can't compare time with object of type: ", type(other))
        if self.clock_type != other.clock_type:
            raise TypeError("Can't compare times with different clock types")

    def __eq__(self, other):
        self._check(other)
        return self.nanoseconds == other.nanoseconds

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        self._check(other)
        return self.nanoseconds < other.nanoseconds

    def __le__(self, other):
        self._check(other)
        return self.nanoseconds <= other.nanoseconds

    def __gt__(self, other):
        self._check(other)
        return self.nanoseconds > other.nanoseconds

    def __ge__(self, other):
        self._check(other)
        return self.nanoseconds >= other.nanoseconds

    def __hash__(self):
        return hash((self._nanoseconds, self._clock_type))

    def to_msg(self):
        """Return a ``builtin_interfaces.msg.Time``."""
        from builtin_interfaces.msg import Time as TimeMsg
        seconds, nanoseconds = self.seconds_nanoseconds()
        return TimeMsg(sec=int(seconds), nanosec=int(nanoseconds))

    @classmethod
    def from_msg(cls, msg, clock_type=_rclpy.ClockType.ROS_TIME):
        """Build from a ``builtin_interfaces.msg.Time`` (ROS time by default)."""
        from builtin_interfaces.msg import Time as TimeMsg
        if not isinstance(msg, TimeMsg):
            raise TypeError('Must pass a builtin_interfaces.msg.Time object')
        return cls(seconds=msg.sec, nanoseconds=msg.nanosec, clock_type=clock_type)
