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
Stand-in for ``rclpy/rclpy/timer.py`` (branch humble).

Readiness follows ``rcl_timer``: the first call is due one period after creation (or
``reset``), and each call moves the next call time forward by one period, skipping whole periods
that were missed. Time comes from the timer's clock (the node's ROS clock by default), so tests
can drive timers with ``use_sim_time`` or ``ROSClock.set_ros_time_override``, or use a tiny
period. A change of clock source (simulated time switched on or off) or a backward jump resets
the timer, as rcl's jump handling does. Callbacks run from an executor.
"""

from rclpy.clock import Clock
from rclpy.clock import ClockType


class Timer:
    """A periodic timer (create it with ``Node.create_timer``)."""

    def __init__(self, callback, callback_group, timer_period_ns, clock, *, context=None):
        self._clock = clock if clock is not None else Clock(clock_type=ClockType.STEADY_TIME)
        self._context = context
        self.callback = callback
        self.callback_group = callback_group
        self._executor_event = False
        self._period = int(timer_period_ns)
        if self._period < 0:
            raise ValueError('timer period must not be negative')
        self._canceled = False
        self._destroyed = False
        self._start()

    def _source(self):
        return getattr(self._clock, '_ros_time_is_active', False)

    def _start(self):
        now = self._clock.now().nanoseconds
        self._last_call = now
        self._next_call = now + self._period
        self._seen_source = self._source()

    def _now(self):
        now = self._clock.now().nanoseconds
        if self._source() != self._seen_source or now < self._last_call:
            self._start()
            now = self._last_call
        return now

    @property
    def handle(self):
        """Return the timer itself (the stand-in has no separate handle)."""
        return self

    @property
    def clock(self):
        """Return the clock the timer reads."""
        return self._clock

    @property
    def timer_period_ns(self):
        """Return the period in nanoseconds."""
        return self._period

    @timer_period_ns.setter
    def timer_period_ns(self, value):
        self._period = int(value)

    def is_ready(self):
        """Return True if the timer is due and not canceled."""
        if self._canceled or self._destroyed:
            return False
        return self._now() >= self._next_call

    def is_canceled(self):
        """Return True if the timer was canceled."""
        return self._canceled

    def cancel(self):
        """Stop the timer until :meth:`reset`."""
        self._canceled = True

    def reset(self):
        """Restart the timer: the next call is one period from now."""
        self._canceled = False
        self._start()
        from rclpy import _graph
        _graph.GRAPH.notify()

    def time_since_last_call(self):
        """Return nanoseconds since the last call (or creation/reset)."""
        return self._now() - self._last_call

    def time_until_next_call(self):
        """Return nanoseconds until the next call, or None if canceled."""
        if self._canceled:
            return None
        return self._next_call - self._now()

    def _call(self):
        """Advance the call times as ``rcl_timer_call`` does; the executor then calls back."""
        now = self._now()
        self._last_call = now
        next_call = self._next_call + self._period
        if next_call < now:
            if self._period == 0:
                next_call = now
            else:
                behind = now - next_call
                next_call += (1 + (behind - 1) // self._period) * self._period
        self._next_call = next_call

    def destroy(self):
        """Destroy the timer (prefer ``Node.destroy_timer``)."""
        self._destroyed = True


class WallTimer(Timer):
    """A timer on the steady clock."""

    def __init__(self, callback, callback_group, timer_period_ns, *, context=None):
        super().__init__(callback, callback_group, timer_period_ns,
                         Clock(clock_type=ClockType.STEADY_TIME), context=context)
