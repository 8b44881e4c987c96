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
Stand-in for ``rclpy/rclpy/signals.py`` and ``rclpy/src/rclpy/signal_handler.cpp`` (humble).

What Humble does on a signal, mirrored here (``rclpy.init`` of the default context installs both
handlers, ``rclpy.shutdown``/``try_shutdown`` of the default context uninstalls them):

* SIGINT: the previous handler is chained (Python's own, so ``KeyboardInterrupt`` is raised in
  the main thread), and a deferred thread shuts every initialised context down
  (``rclpy::shutdown_contexts``, no on_shutdown callbacks). An executor waiting for work then
  raises ``ExternalShutdownException`` out of ``spin``/``spin_once``.
* SIGTERM: the same, but the previous handler is chained only if it is not ``SIG_DFL`` or
  ``SIG_IGN`` (the C handler skips those): the process does not die, its contexts shut down.

Python can only set signal handlers from the main thread: ``rclpy.init`` from another thread
installs none here (the real C handler would); no test does that.
"""

import enum
import signal
import threading


class SignalHandlerOptions(enum.Enum):
    """Which signal handlers rclpy installs (``rclpy.signals.SignalHandlerOptions``)."""

    NO = 0
    SIGINT = 1
    SIGTERM = 2
    ALL = 3


g_lock = threading.Lock()
_previous = {}   # signum -> handler replaced by ours, for the signals we handle now


def _shutdown_contexts():
    from rclpy import context
    context._shutdown_all_contexts()


def _handler(signum, frame):
    previous = _previous.get(signum)
    # the deferred thread of signal_handler.cpp: shut every context down, asynchronously
    threading.Thread(target=_shutdown_contexts, name='rclpy-signal', daemon=True).start()
    if callable(previous):   # SIG_DFL / SIG_IGN / None are not called, as in the C handler
        previous(signum, frame)


def install_signal_handlers(options=SignalHandlerOptions.ALL):
    """
    Install rclpy's SIGINT and/or SIGTERM handlers (each once).

    :param options: :class:`SignalHandlerOptions` naming the signals to handle.
    """
    options = SignalHandlerOptions(options)
    if threading.current_thread() is not threading.main_thread():
        return
    wanted = {SignalHandlerOptions.ALL: (signal.SIGINT, signal.SIGTERM),
              SignalHandlerOptions.SIGINT: (signal.SIGINT,),
              SignalHandlerOptions.SIGTERM: (signal.SIGTERM,),
              SignalHandlerOptions.NO: ()}[options]
    with g_lock:
        for signum in wanted:
            if signum not in _previous:
                _previous[signum] = signal.signal(signum, _handler)


def get_current_signal_handlers_options():
    """Return the :class:`SignalHandlerOptions` of the handlers installed now."""
    with g_lock:
        return SignalHandlerOptions((signal.SIGTERM in _previous) * 2
                                    + (signal.SIGINT in _previous))


def uninstall_signal_handlers():
    """Put the handlers that rclpy replaced back (one that chains to ours stays)."""
    if threading.current_thread() is not threading.main_thread():
        return
    with g_lock:
        for signum, previous in list(_previous.items()):
            if signal.getsignal(signum) is _handler:
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
            del _previous[signum]
