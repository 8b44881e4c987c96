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
Stand-in for ``rclpy/rclpy/executors.py`` (branch humble).

``spin_once(timeout_sec)`` executes at most one ready callback, as upstream: pending tasks
first, then per node (in the order nodes were added) due timers, then subscriptions with a
queued message (one message per call), then clients with a response (the response completes the
request's future), then services with a request (``_execute_service``: the callback gets the
request and a fresh ``Response``; its return value goes to ``Service.send_response``). With
nothing ready it waits up to ``timeout_sec`` (``None`` or negative: forever; ``0``: no wait) for
a publish, a timer to fall due or a clock change. An exception raised by a callback propagates
out of ``spin_once`` and ``spin``, as upstream.

A context shut down from outside (a SIGINT or SIGTERM through rclpy's handlers, another thread's
``rclpy.shutdown``) makes ``wait_for_ready_callbacks`` raise ``ExternalShutdownException``, which
``spin``/``spin_once`` let through, as upstream (``_wait_for_ready_callbacks``: "if not
self._context.ok(): raise ExternalShutdownException()"); an executor shut down itself raises
the internal ``ShutdownException`` and returns quietly.

``MultiThreadedExecutor`` runs callbacks in a thread pool, honouring callback groups, as
upstream (see its docstring).
"""

from concurrent.futures import ThreadPoolExecutor
import inspect
import os
import threading
import time

from rclpy import _graph
from rclpy.task import Task
from rclpy.utilities import get_default_context
from rclpy.utilities import timeout_sec_to_nsec


class ExternalShutdownException(Exception):
    """Context has been shutdown."""


class ShutdownException(Exception):
    """Signal that executor was shut down."""


class TimeoutException(Exception):
    """Signal that a timeout occurred."""


class ConditionReachedException(Exception):
    """Future has been completed."""


def _take_request(srv):
    with srv.handle:
        return srv.handle.service_take_request()


class _Handler:
    """Take an entity's work (message, request, timer call), then run its callback."""

    def __init__(self, take, call):
        self._take = take
        self._call = call

    def __call__(self, on_taken=None):
        taken = self._take()
        if on_taken is not None:
            on_taken()
        self._call(taken)


def _run(callback, *args):
    result = callback(*args)
    if inspect.iscoroutine(result):
        try:
            while True:
                result.send(None)
        except StopIteration as stop:
            return stop.value
    return result


class Executor:
    """Run callbacks of the nodes added to it."""

    def __init__(self, *, context=None):
        self._context = get_default_context() if context is None else context
        self._nodes = []
        self._nodes_lock = threading.RLock()
        self._tasks = []
        self._is_shutdown = False

    @property
    def context(self):
        """Return the context the executor runs in."""
        return self._context

    def create_task(self, callback, *args, **kwargs):
        """Schedule ``callback(*args, **kwargs)`` (or a coroutine) to run when spinning."""
        task = Task(callback, args, kwargs, executor=self)
        self._tasks.append(task)
        _graph.GRAPH.notify()
        return task

    def shutdown(self, timeout_sec=None):
        """Stop the executor and remove its nodes; return True."""
        self._is_shutdown = True
        with self._nodes_lock:
            for node in list(self._nodes):
                self.remove_node(node)
        _graph.GRAPH.notify()
        return True

    def add_node(self, node):
        """Add a node; return False if it was added before."""
        with self._nodes_lock:
            if node not in self._nodes:
                self._nodes.append(node)
                node.executor = self
                _graph.GRAPH.notify()
                return True
            return False

    def remove_node(self, node):
        """Remove a node (no error if it is not there)."""
        with self._nodes_lock:
            if node in self._nodes:
                self._nodes.remove(node)
                node.executor = None
                _graph.GRAPH.notify()

    def wake(self):
        """Wake the executor from a wait."""
        _graph.GRAPH.notify()

    def get_nodes(self):
        """Return the nodes of this executor."""
        with self._nodes_lock:
            return list(self._nodes)

    def spin(self):
        """Execute callbacks until the context or the executor is shut down."""
        while self._context.ok() and not self._is_shutdown:
            self.spin_once()

    def spin_until_future_complete(self, future, timeout_sec=None):
        """Execute callbacks until ``future`` is done or ``timeout_sec`` passed."""
        future.add_done_callback(lambda x: self.wake())
        if timeout_sec is None or timeout_sec < 0:
            while self._context.ok() and not future.done() and not self._is_shutdown:
                self.spin_once_until_future_complete(future, timeout_sec)
            return
        end = time.monotonic() + timeout_sec
        remaining = timeout_sec
        while self._context.ok() and not future.done() and not self._is_shutdown:
            self.spin_once_until_future_complete(future, remaining)
            remaining = end - time.monotonic()
            if remaining <= 0:
                break

    def spin_once_until_future_complete(self, future, timeout_sec=None):
        """Execute one callback, or wait until ``future`` is done or the timeout."""
        self._spin_once(timeout_sec, future)

    def spin_once(self, timeout_sec=None):
        """Execute one ready callback, waiting up to ``timeout_sec`` for one."""
        self._spin_once(timeout_sec, None)

    def _spin_once(self, timeout_sec, future):
        try:
            handler, entity, node = self.wait_for_ready_callbacks(
                timeout_sec=timeout_sec, condition=(future.done if future else None))
        except (ShutdownException, TimeoutException, ConditionReachedException):
            return
        handler()
        if isinstance(handler, Task) and handler.exception() is not None:
            raise handler.exception()

    def _ready(self):
        """
        Return ``(handler, entity, node)`` of the first ready callback, or None.

        As upstream's wait list, it skips entities already handed to a worker and not yet
        taken (``_executor_event``) and entities whose callback group cannot run now.
        """
        for task in list(self._tasks):
            if task.done():
                self._tasks.remove(task)
                continue
            return task, task, None
        for node in self.get_nodes():
            if node._destroyed:
                continue
            for entity, ready, take, call in self._entities(node):
                if entity._executor_event or not entity.callback_group.can_execute(entity):
                    continue
                if ready():
                    return _Handler(take, call), entity, node
        return None

    def _entities(self, node):
        """Yield ``(entity, ready(), take(), call(taken))`` of a node, in upstream's order."""
        for timer in list(node.timers):
            yield (timer, timer.is_ready, timer._call,
                   lambda _, timer=timer: _run(timer.callback))
        for sub in list(node.subscriptions):
            yield (sub, lambda sub=sub: bool(sub.handle.queue), sub.handle.take_message,
                   lambda msg, sub=sub: msg is not None and _run(sub.callback, msg))
        for client in list(node.clients):
            yield (client, lambda client=client: bool(client.handle.responses),
                   client.handle.take_response,
                   lambda taken, client=client: self._execute_client(client, taken))
        for srv in list(node.services):
            yield (srv, lambda srv=srv: bool(srv.handle.requests),
                   lambda srv=srv: _take_request(srv),
                   lambda taken, srv=srv: self._execute_service(srv, taken))

    def _execute_client(self, client, header_and_response):
        header, response = header_and_response
        if header is None:
            return
        try:
            future = client.get_pending_request(header.request_id.sequence_number)
        except KeyError:
            pass   # the request was cancelled
        else:
            future.set_result(response)

    def _execute_service(self, srv, request_and_header):
        request, header = request_and_header
        if request is None:
            return
        response = _run(srv.callback, request, srv.srv_type.Response())
        srv.send_response(response, header)

    def _next_timer_wait(self):
        """Return seconds until the earliest timer on a real clock is due, or None."""
        waits = []
        for node in self.get_nodes():
            if node._destroyed:
                continue
            for timer in node.timers:
                if timer.is_canceled() or getattr(timer.clock, '_ros_time_is_active', False):
                    continue
                if timer._executor_event or not timer.callback_group.can_execute(timer):
                    continue   # its group's callback ends with a notify
                waits.append(max(timer.time_until_next_call(), 0) / 1e9)
        return min(waits) if waits else None

    def wait_for_ready_callbacks(self, timeout_sec=None, nodes=None, condition=None):
        """
        Return ``(handler, entity, node)`` of the next ready callback.

        :raises ShutdownException: if the executor is shut down.
        :raises ExternalShutdownException: if the context is shut down.
        :raises TimeoutException: if nothing became ready within ``timeout_sec``.
        :raises ConditionReachedException: if ``condition()`` became true.
        """
        timeout_nsec = timeout_sec_to_nsec(timeout_sec)
        deadline = None if timeout_nsec < 0 else time.monotonic() + timeout_nsec / 1e9
        while True:
            if self._is_shutdown:
                raise ShutdownException()
            if not self._context.ok():
                raise ExternalShutdownException()
            if condition is not None and condition():
                raise ConditionReachedException()
            generation = _graph.GRAPH.generation
            ready = self._ready()
            if ready is not None:
                return ready
            wait = None
            if deadline is not None:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    raise TimeoutException()
            timer_wait = self._next_timer_wait()
            if timer_wait is not None:
                wait = timer_wait if wait is None else min(wait, timer_wait)
            _graph.GRAPH.wait(generation, wait)


class SingleThreadedExecutor(Executor):
    """Runs callbacks in the thread that calls spin."""


class MultiThreadedExecutor(Executor):
    """
    Runs callbacks in a pool of threads, as upstream.

    ``spin_once`` hands the next ready callback to a ``ThreadPoolExecutor`` of ``num_threads``
    workers (default: the CPU count) and returns. A callback runs only if its callback group
    lets it (a ``MutuallyExclusiveCallbackGroup`` runs one callback at a time, a
    ``ReentrantCallbackGroup`` any number, so a reentrant subscription callback can run in
    several threads at once); an exception raised by a callback is re-raised by a later
    ``spin_once`` (so by ``spin``), as upstream. Tasks (``create_task``) run in the spinning
    thread.
    """

    def __init__(self, num_threads=None, *, context=None):
        super().__init__(context=context)
        if num_threads is None:
            num_threads = os.cpu_count() or 1
        self._num_threads = num_threads
        self._pool = ThreadPoolExecutor(num_threads)
        self._futures = []

    def _spin_once(self, timeout_sec, future):
        try:
            handler, entity, node = self.wait_for_ready_callbacks(
                timeout_sec=timeout_sec, condition=(future.done if future else None))
        except (ShutdownException, TimeoutException, ConditionReachedException):
            pass
        else:
            if isinstance(handler, Task):
                handler()
                if handler.exception() is not None:
                    raise handler.exception()
            else:
                entity._executor_event = True
                task = Task(self._execute, (handler, entity))
                self._futures.append(task)
                self._pool.submit(task)
        for done in [f for f in self._futures if f.done()]:
            self._futures.remove(done)
            done.result()  # raise any exceptions

    @staticmethod
    def _execute(handler, entity):
        group = entity.callback_group
        if not group.beginning_execution(entity):
            entity._executor_event = False   # the group is busy: back to the wait list
            _graph.GRAPH.notify()
            return
        try:
            handler(on_taken=lambda: setattr(entity, '_executor_event', False))
        finally:
            entity._executor_event = False
            group.ending_execution(entity)
            _graph.GRAPH.notify()

    def shutdown(self, timeout_sec=None):
        """Stop the executor, remove its nodes and wait for running callbacks; return True."""
        super().shutdown(timeout_sec)
        self._pool.shutdown(wait=True)
        return True
