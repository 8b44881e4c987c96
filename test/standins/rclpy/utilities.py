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
Stand-in for ``rclpy/rclpy/utilities.py`` (branch humble).

The default context is replaced by a fresh one when it is shut down, so that
``rclpy.init()`` / ``rclpy.shutdown()`` can be repeated (one pair per test).
"""

import threading

from rclpy.context import Context

g_default_context = None
g_context_lock = threading.Lock()


def get_default_context(*, shutting_down=False):
    """Return the global default context (handing it over when ``shutting_down``)."""
    global g_default_context
    with g_context_lock:
        if g_default_context is None:
            g_default_context = Context()
        if shutting_down:
            old_context = g_default_context
            g_default_context = None
            return old_context
        return g_default_context


def remove_ros_args(args=None):
    """Return ``args`` without the ``--ros-args ... [--]`` sections."""
    args = list(args or [])
    result, inside = [], False
    for arg in args:
        if arg == '--ros-args':
            inside = True
        elif inside and arg == '--':
            inside = False
        elif not inside:
            result.append(arg)
    return result


def ok(*, context=None):
    """Return True if the context (default: global) is initialised and not shut down."""
    if context is None:
        context = get_default_context()
    return context.ok()


def shutdown(*, context=None):
    """Shut the context (default: global) down."""
    if context is None:
        context = get_default_context(shutting_down=True)
    return context.shutdown()


def try_shutdown(*, context=None):
    """Shut the context (default: global) down if it is not already."""
    global g_default_context
    if context is None:
        context = get_default_context()
        context.try_shutdown()
        with g_context_lock:
            if g_default_context is context and not context.ok():
                g_default_context = None
        return
    context.try_shutdown()


def get_rmw_implementation_identifier():
    """Return the rmw implementation name (the stand-in's in-process graph)."""
    return 'rmw_standin_inprocess'


def timeout_sec_to_nsec(timeout_sec):
    """Convert a timeout in seconds to nanoseconds (None or negative: -1 = forever)."""
    if timeout_sec is None or timeout_sec < 0:
        return -1
    return int(float(timeout_sec) * 1e9)
