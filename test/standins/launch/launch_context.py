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

"""Stand-in for ``launch/launch/launch_context.py`` (humble)."""

import collections


class _Locals:

    def __init__(self, locals_dict):
        self.__dict__['_locals'] = locals_dict

    def __getattr__(self, key):
        locals_ = self.__dict__['_locals']
        if key not in locals_:
            raise AttributeError(f"context.locals does not contain attribute '{key}', it "
                                 f'contains: [{", ".join(locals_)}]')
        return locals_[key]

    def __setattr__(self, key, value):
        raise AttributeError(f"can't set attribute '{key}', locals are read-only")


class LaunchContext:
    """
    Mirror of ``launch.LaunchContext`` (humble), without an asyncio loop.

    ``emit_event_sync`` appends to ``_event_queue`` (a deque here, an ``asyncio.Queue``
    upstream); ``test/launch_sim.py`` processes it as ``LaunchService.__process_event`` does.
    ``standin_processes`` (stand-in only) records the processes an executed ``ExecuteProcess``
    would have started.
    """

    def __init__(self, *, argv=None, noninteractive: bool = False):
        self.__argv = argv if argv is not None else []
        self.__noninteractive = noninteractive
        self._event_queue = collections.deque()
        self._event_handlers = collections.deque()
        self._completion_futures = []
        self.__globals = {}
        self.__locals_stack = []
        self.__locals = {}
        self.__launch_configurations_stack = []
        self.__launch_configurations = {}
        self.__is_shutdown = False
        self.standin_processes = []

    @property
    def argv(self):
        """Getter for argv."""
        return self.__argv

    @property
    def is_shutdown(self):
        """Getter for is_shutdown."""
        return self.__is_shutdown

    def _set_is_shutdown(self, state: bool) -> None:
        self.__is_shutdown = state

    def _push_locals(self):
        self.__locals_stack.append(dict(self.__locals))

    def _pop_locals(self):
        if not self.__locals_stack:
            raise RuntimeError('locals stack unexpectedly empty')
        self.__locals = self.__locals_stack.pop()

    def extend_globals(self, extensions):
        """Extend the globals with the given dict."""
        self.__globals.update(extensions)

    def extend_locals(self, extensions):
        """Extend the locals with the given dict."""
        self.__locals.update(extensions)

    @property
    def locals(self):  # noqa: A003  (upstream name)
        """Return the globals overlaid with the locals, read-only."""
        return _Locals({**self.__globals, **self.__locals})

    @property
    def launch_configurations(self):
        """Getter for launch_configurations dictionary."""
        return self.__launch_configurations

    def _push_launch_configurations(self):
        self.__launch_configurations_stack.append(dict(self.__launch_configurations))

    def _pop_launch_configurations(self):
        if not self.__launch_configurations_stack:
            raise RuntimeError('launch_configurations stack unexpectedly empty')
        self.__launch_configurations = self.__launch_configurations_stack.pop()

    def register_event_handler(self, event_handler) -> None:
        """Register an event handler (first in line: newest handlers are matched first)."""
        self._event_handlers.appendleft(event_handler)

    def unregister_event_handler(self, event_handler) -> None:
        """Unregister an event handler; ValueError (deque.remove) if it is not registered."""
        self._event_handlers.remove(event_handler)

    def would_handle_event(self, event) -> bool:
        """Check whether an event would be handled or not."""
        return any(handler.matches(event) for handler in self._event_handlers)

    def add_completion_future(self, completion_future) -> None:
        """Add an entity completion future."""
        self._completion_futures.append(completion_future)

    def emit_event_sync(self, event) -> None:
        """Emit an event (queued; processed in order by the launch service)."""
        self._event_queue.append(event)

    def perform_substitution(self, substitution) -> str:
        """Perform a substitution, returning the string."""
        return substitution.perform(self)
