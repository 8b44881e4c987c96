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

"""Stand-in for ``rclpy/rclpy/task.py`` (branch humble): ``Future`` and ``Task``."""

import threading


class Future:
    """Represent the outcome of a task in the future."""

    def __init__(self, *, executor=None):
        self._state = 'PENDING'
        self._result = None
        self._exception = None
        self._callbacks = []
        self._lock = threading.Lock()
        self._executor = executor

    def __await__(self):
        while not self.done():
            yield
        return self.result()

    def cancel(self):
        """Request cancellation of the running task if it is not done already."""
        if not self.done():
            self._state = 'CANCELLED'
            self._schedule_or_invoke_done_callbacks()

    def cancelled(self):
        """Return True if the task was cancelled."""
        return self._state == 'CANCELLED'

    def done(self):
        """Return True if the task finished, failed or was cancelled."""
        return self._state != 'PENDING'

    def result(self):
        """Return the outcome, re-raising the exception of a failed task."""
        if self._exception:
            raise self._exception
        return self._result

    def exception(self):
        """Return the exception the task raised, or None."""
        return self._exception

    def set_result(self, result):
        """Set the result and mark the future done."""
        with self._lock:
            self._result = result
            self._state = 'FINISHED'
        self._schedule_or_invoke_done_callbacks()

    def set_exception(self, exception):
        """Set the exception and mark the future done."""
        with self._lock:
            self._exception = exception
            self._state = 'FINISHED'
        self._schedule_or_invoke_done_callbacks()

    def _schedule_or_invoke_done_callbacks(self):
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def add_done_callback(self, callback):
        """Call ``callback(future)`` when the future is done (now, if it already is)."""
        if self.done():
            callback(self)
        else:
            self._callbacks.append(callback)


class Task(Future):
    """A function or coroutine run by an executor; its outcome is this future."""

    def __init__(self, handler, args=None, kwargs=None, executor=None):
        super().__init__(executor=executor)
        self._handler = handler
        self._args = args or ()
        self._kwargs = kwargs or {}

    def __call__(self):
        """Run the task (one step of a coroutine)."""
        if self.done():
            return
        import inspect
        try:
            if inspect.iscoroutine(self._handler):
                try:
                    self._handler.send(None)
                except StopIteration as e:
                    self.set_result(e.value)
                return
            result = self._handler(*self._args, **self._kwargs)
            if inspect.iscoroutine(result):
                self._handler = result
                self()
                return
            self.set_result(result)
        except Exception as e:  # noqa: B902 - the executor re-raises it
            self.set_exception(e)

    def executing(self):
        """Return False (tasks run to completion in one call)."""
        return False
