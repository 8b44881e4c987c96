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
Stand-in for ``rclpy._rclpy_pybind11``, the C extension of rclpy.

Mirrors the Python-visible names defined in ``rclpy/src/rclpy/_rclpy_pybind11.cpp`` and
``rclpy/src/rclpy/lifecycle.cpp`` (branch humble) that the rest of the stand-in uses: the
exception types registered there (``RCLError`` is a ``RuntimeError``), ``ClockType`` and the
lifecycle ``TransitionCallbackReturnType`` (a pybind11 enum: compares equal only to its own
members, converts with ``int()``, converts to the rcl transition label with ``to_label()``).
"""

import enum


class RCUtilsError(RuntimeError):
    """An rcutils call failed (``rclpy._rclpy_pybind11.RCUtilsError``)."""


class RMWError(RuntimeError):
    """An rmw call failed (``rclpy._rclpy_pybind11.RMWError``)."""


class RCLError(RuntimeError):
    """An rcl call failed (``rclpy._rclpy_pybind11.RCLError``)."""


class RCLInvalidROSArgsError(RCLError):
    """Invalid ``--ros-args`` (``rclpy._rclpy_pybind11.RCLInvalidROSArgsError``)."""


class UnknownROSArgsError(RuntimeError):
    """Unknown ROS arguments (``rclpy._rclpy_pybind11.UnknownROSArgsError``)."""


class NodeNameNonExistentError(RCLError):
    """A graph query named a node that does not exist."""


class UnsupportedEventTypeError(RCLError):
    """An unsupported QoS event type was requested."""


class InvalidHandle(RuntimeError):
    """An entity was used after it was destroyed."""


class _PybindEnum(enum.Enum):
    """pybind11 ``py::enum_`` semantics: ``int()`` works, ``==`` is only true for members."""

    def __int__(self):
        return self.value

    def __index__(self):
        return self.value

    def __hash__(self):
        return hash(self.value)


class ClockType(_PybindEnum):
    """Clock types (``rcl_clock_type_t``)."""

    UNINITIALIZED = 0
    ROS_TIME = 1
    SYSTEM_TIME = 2
    STEADY_TIME = 3


class TransitionCallbackReturnType(_PybindEnum):
    """Return code of a lifecycle transition callback (lifecycle_msgs/Transition values)."""

    SUCCESS = 97
    FAILURE = 98
    ERROR = 99

    def to_label(self):
        """Return the rcl transition label for this return code."""
        return {97: 'transition_success', 98: 'transition_failure',
                99: 'transition_error'}[self.value]
