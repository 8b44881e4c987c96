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
Stand-in for ``rclpy/rclpy/context.py`` (branch humble).

A context is initialised once (``rclpy.init``) and shut down once; a second ``init`` or
``shutdown`` raises ``RuntimeError`` as upstream. Shutting a context down also removes its
nodes' publishers and subscriptions from the stand-in graph (their DDS participant is gone), and
publishing on them afterwards raises ``RCLError``.
"""

import sys
import threading
import weakref

from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy


_contexts = weakref.WeakSet()   # initialised contexts, as rclpy's C++ g_contexts
_contexts_lock = threading.Lock()


def _shutdown_all_contexts():
    """
    Shut every initialised context down, as a SIGINT/SIGTERM does (``shutdown_contexts``).

    Like rcl_shutdown from the signal thread: the context is no longer ok and its graph is
    gone; its on_shutdown callbacks are not called (a later ``try_shutdown`` does nothing).
    """
    with _contexts_lock:
        contexts = list(_contexts)
    for context in contexts:
        context._shutdown_from_signal()


class Context:
    """Encapsulates the lifecycle of init and shutdown."""

    def __init__(self):
        self.__lock = threading.Lock()
        self._initialized = False
        self._ok = False
        self._args = []
        self._domain_id = 0
        self._callbacks = []
        self._nodes = []

    @property
    def handle(self):
        """Return the handle of this context: the context itself in the stand-in."""
        return self

    def init(self, args=None, *, initialize_logging=True, domain_id=None):
        """
        Initialise this context.

        :param args: command line arguments, ``sys.argv`` when None (``--ros-args`` remaps
            ``-r`` and parameters ``-p`` are honoured).
        :param domain_id: ROS domain id, >= 0.
        :raises RuntimeError: if the context was initialised before.
        """
        with self.__lock:
            if domain_id is not None and domain_id < 0:
                raise RuntimeError(
                    'Domain ID must be non-negative, got {}'.format(domain_id))
            if self._initialized:
                raise RuntimeError('Context.init() must only be called once')
            self._initialized = True
            self._ok = True
            self._args = list(args) if args is not None else list(sys.argv)
            self._domain_id = 0 if domain_id is None else int(domain_id)
        with _contexts_lock:
            _contexts.add(self)

    def _shutdown_from_signal(self):
        self._invalidate()

    def _invalidate(self):
        """Make the context not ok and drop its graph; return False if it was not ok before."""
        with self.__lock:
            if not self._ok:
                return False
            self._ok = False
        self._shutdown_graph()
        from rclpy import _graph
        _graph.GRAPH.notify()   # as trigger_guard_conditions: wake the executors that wait
        return True

    def ok(self):
        """Return True if the context is initialised and not shut down."""
        with self.__lock:
            return self._ok

    def _call_on_shutdown_callbacks(self):
        for weak_method in self._callbacks:
            callback = weak_method()
            if callback is not None:
                callback()
        self._callbacks = []

    def _shutdown_graph(self):
        from rclpy import _graph
        _graph.GRAPH.remove_context(self)

    def shutdown(self):
        """
        Shut this context down.

        :raises RuntimeError: if it was never initialised.
        :raises rclpy._rclpy_pybind11.RCLError: if it is already shut down.
        """
        with self.__lock:
            if not self._initialized:
                raise RuntimeError('Context must be initialized before it can be shutdown')
            if not self._ok:
                raise _rclpy.RCLError(
                    'failed to shutdown: rcl_shutdown already called on the given context')
            self._ok = False
        self._shutdown_graph()
        self._call_on_shutdown_callbacks()

    def try_shutdown(self):
        """Shut this context down if it is initialised and not shut down yet."""
        if self._invalidate():
            self._call_on_shutdown_callbacks()

    def on_shutdown(self, callback):
        """Call ``callback()`` (a bound method, held weakly) at shutdown."""
        import weakref
        if not callable(callback):
            raise TypeError('callback should be a callable, got {}'.format(type(callback)))
        self._callbacks.append(weakref.WeakMethod(callback))

    def get_domain_id(self):
        """Return the domain id."""
        return self._domain_id
