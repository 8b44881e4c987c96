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
Stand-in for ``rclpy/rclpy/__init__.py`` (branch humble), for tests without ROS 2.

Mirrors the names, signatures and observable semantics of rclpy 3.3 (Humble) that this
package's nodes use: ``init``/``shutdown``/``try_shutdown``/``ok``, ``create_node``,
``spin``/``spin_once``/``spin_until_future_complete`` with a global executor, ``rclpy.node``,
``rclpy.lifecycle``, ``rclpy.qos``, ``rclpy.parameter``, ``rclpy.exceptions``,
``rclpy.executors``, ``rclpy.time``/``clock``/``duration`` and ``rclpy.logging``. Each module
names the upstream file it mirrors. Publishers and subscriptions of all nodes meet in an
in-process graph (:mod:`rclpy._graph`) that applies DDS's QoS matching; messages wait in
subscription queues until an executor spins.

Cost is not mirrored: real rclpy serialises every message through C (an (H, W, 3) image costs a
copy in and a copy out, and setting ``msg.data`` to anything but ``array.array('B')`` runs a
per-byte Python check); the stand-in deep-copies Python objects. Keep the one-copy rules of
DESIGN.md anyway. Helpers that only exist in the stand-in live in :mod:`rclpy._standin`.
"""

from rclpy.parameter import Parameter  # noqa: F401 - rclpy.Parameter, as upstream
from rclpy.signals import install_signal_handlers
from rclpy.signals import SignalHandlerOptions
from rclpy.signals import uninstall_signal_handlers
from rclpy.utilities import get_default_context
from rclpy.utilities import get_rmw_implementation_identifier  # noqa: F401
from rclpy.utilities import ok  # noqa: F401
from rclpy.utilities import shutdown as _shutdown
from rclpy.utilities import try_shutdown as _try_shutdown

__executor = None


def init(*, args=None, context=None, domain_id=None, signal_handler_options=None):
    """
    Initialize ROS communications for a given context (default: the global one).

    As Humble, the default context gets rclpy's SIGINT and SIGTERM handlers unless
    ``signal_handler_options`` says otherwise (see :mod:`rclpy.signals`): Ctrl-C shuts the
    contexts down and ``spin`` raises ``ExternalShutdownException`` (or ``KeyboardInterrupt``).

    :param args: command line arguments (``--ros-args -r a:=b -p name:=value`` honoured).
    :param signal_handler_options: :class:`rclpy.signals.SignalHandlerOptions`; None = ALL for
        the default context, NO for another one.
    :raises RuntimeError: if the context was already initialised.
    """
    context = get_default_context() if context is None else context
    if signal_handler_options is None:
        if context is get_default_context():
            signal_handler_options = SignalHandlerOptions.ALL
        else:
            signal_handler_options = SignalHandlerOptions.NO
    install_signal_handlers(signal_handler_options)
    return context.init(args, domain_id=domain_id)


def _uninstall_handlers(context, uninstall_handlers):
    # Humble's utilities.shutdown: None = uninstall when shutting the default context down
    if uninstall_handlers or (uninstall_handlers is None and
                              (context is None or context is get_default_context())):
        uninstall_signal_handlers()


def shutdown(*, context=None, uninstall_handlers=None):
    """
    Shutdown a previously initialized context (default: the global one).

    :param uninstall_handlers: None = uninstall rclpy's signal handlers when shutting the
        default context down; True = uninstall them; False = keep them.
    :raises RuntimeError: if the context was never initialised.
    :raises rclpy._rclpy_pybind11.RCLError: if it was already shut down.
    """
    _reset_global_executor(context)
    _uninstall_handlers(context, uninstall_handlers)
    _shutdown(context=context)


def try_shutdown(*, context=None, uninstall_handlers=None):
    """Shutdown a context if it is not already shut down (handlers as :func:`shutdown`)."""
    _reset_global_executor(context)
    _uninstall_handlers(context, uninstall_handlers)
    _try_shutdown(context=context)


def _reset_global_executor(context):
    global __executor
    if __executor is not None and (context is None or __executor.context is context):
        __executor.shutdown()
        __executor = None


def get_global_executor():
    """Return the executor used by :func:`spin`, :func:`spin_once` and friends."""
    global __executor
    if __executor is None or __executor.context is not get_default_context():
        from rclpy.executors import SingleThreadedExecutor
        __executor = SingleThreadedExecutor()
    return __executor


def create_node(node_name, *, context=None, cli_args=None, namespace=None,
                use_global_arguments=True, enable_rosout=True, start_parameter_services=True,
                parameter_overrides=None, allow_undeclared_parameters=False,
                automatically_declare_parameters_from_overrides=False):
    """Create an instance of :class:`rclpy.node.Node` (same keywords)."""
    from rclpy.node import Node
    return Node(
        node_name, context=context, cli_args=cli_args, namespace=namespace,
        use_global_arguments=use_global_arguments, enable_rosout=enable_rosout,
        start_parameter_services=start_parameter_services,
        parameter_overrides=parameter_overrides,
        allow_undeclared_parameters=allow_undeclared_parameters,
        automatically_declare_parameters_from_overrides=(
            automatically_declare_parameters_from_overrides))


def spin_once(node, *, executor=None, timeout_sec=None):
    """Execute one ready callback of ``node``, waiting up to ``timeout_sec`` for one."""
    executor = get_global_executor() if executor is None else executor
    try:
        executor.add_node(node)
        executor.spin_once(timeout_sec=timeout_sec)
    finally:
        executor.remove_node(node)


def spin(node, executor=None):
    """Execute callbacks of ``node`` until shutdown."""
    executor = get_global_executor() if executor is None else executor
    try:
        executor.add_node(node)
        while executor.context.ok():
            executor.spin_once()
    finally:
        executor.remove_node(node)


def spin_until_future_complete(node, future, executor=None, timeout_sec=None):
    """Execute callbacks of ``node`` until ``future`` is done or the timeout passed."""
    executor = get_global_executor() if executor is None else executor
    try:
        executor.add_node(node)
        executor.spin_until_future_complete(future, timeout_sec)
    finally:
        executor.remove_node(node)
