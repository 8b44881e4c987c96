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
Stand-in for ``rclpy/rclpy/duration.py`` (branch humble).

A signed span of time in integer nanoseconds; converts to and from
``builtin_interfaces/msg/Duration``.
"""

from rclpy.constants import S_TO_NS


class Duration:
    """A span of time, in nanoseconds (may be negative)."""

    def __init__(self, *, seconds=0, nanoseconds=0):
        total_nanoseconds = int(seconds * S_TO_NS)
        total_nanoseconds += int(nanoseconds)
        if total_nanoseconds >= 2**63 or total_nanoseconds < -2**63:
            # pybind11 would raise OverflowError for values that do not fit int64
            raise OverflowError(
                'Total nanoseconds value is too high to be stored in C time point.')
        self._nanoseconds = total_nanoseconds

    @property
    def nanoseconds(self):
        """Return the span in nanoseconds."""
        return self._nanoseconds

    def __repr__(self):
        return 'Duration(nanoseconds={0})'.format(self.nanoseconds)

    def __str__(self):
        if self == Infinite:
            return 'Infinite'
        return f'{self.nanoseconds} nanoseconds'

    def __eq__(self, other):
        if isinstance(other, Duration):
            return self.nanoseconds == other.nanoseconds
        raise TypeError("Can't compare duration with object of type: ", type(other))

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        if isinstance(other, Duration):
            return self.nanoseconds < other.nanoseconds
        return NotImplemented

    def __le__(self, other):
        if isinstance(other, Duration):
            return self.nanoseconds <= other.nanoseconds
        return NotImplemented

    def __gt__(self, other):
        if isinstance(other, Duration):
            return self.nanoseconds > other.nanoseconds
        return NotImplemented

    def __ge__(self, other):
        if isinstance(other, Duration):
            return self.nanoseconds >= other.nanoseconds
        return NotImplemented

    def __hash__(self):
        return hash(self._nanoseconds)

    def to_msg(self):
        """Return a ``builtin_interfaces.msg.Duration``."""
        from builtin_interfaces.msg import Duration as DurationMsg
        seconds, nanoseconds = divmod(self.nanoseconds, S_TO_NS)
        return DurationMsg(sec=int(seconds), nanosec=int(nanoseconds))

    @classmethod
    def from_msg(cls, msg):
        """Build from a ``builtin_interfaces.msg.Duration``."""
        return cls(seconds=msg.sec, nanoseconds=msg.nanosec)

    def get_c_duration(self):
        """Return the nanoseconds (the C extension takes an int64 here)."""
        return self._nanoseconds


Infinite = Duration(nanoseconds=2**63 - 1)
