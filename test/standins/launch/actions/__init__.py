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
Stand-in for ``launch/launch/actions`` (humble): the actions this package uses.

``DeclareLaunchArgument``, ``EmitEvent``, ``ExecuteProcess``, ``LogInfo``, ``OpaqueFunction``
and ``RegisterEventHandler`` with humble's signatures (every extra keyword goes to
``Action(*, condition=None)``, so an unknown one raises ``TypeError`` as upstream).
``ExecuteProcess.execute`` starts nothing: it performs its substitutions (so a missing launch
configuration fails as upstream) and appends itself to ``context.standin_processes``.
"""

import logging

from ..action import Action
from ..utilities import normalize_to_list_of_substitutions, perform_substitutions


class DeclareLaunchArgument(Action):
    """Mirror of ``DeclareLaunchArgument(name, *, default_value=None, description=None, choices=None)``."""  # noqa: E501

    def __init__(self, name, *, default_value=None, description=None, choices=None, **kwargs):
        super().__init__(**kwargs)
        self.__name = name
        self.__default_value = (None if default_value is None
                                else normalize_to_list_of_substitutions(default_value))
        self.__description = description
        self.__choices = choices
        if choices is not None and isinstance(default_value, str) \
                and default_value not in choices:
            raise RuntimeError(f"Provided default_value '{default_value}' is not in choices "
                               f'{choices}')

    @property
    def name(self):
        """Getter for self.__name."""
        return self.__name

    @property
    def default_value(self):
        """Getter for self.__default_value."""
        return self.__default_value

    @property
    def description(self):
        """Getter for self.__description."""
        return self.__description

    def execute(self, context):
        """Set the launch configuration to the default unless it was given."""
        if self.__name not in context.launch_configurations:
            if self.__default_value is None:
                raise RuntimeError(f"Required launch argument '{self.__name}' (description: "
                                   f"'{self.__description}') was not provided")
            context.launch_configurations[self.__name] = perform_substitutions(
                context, self.__default_value)
        if self.__choices is not None:
            value = context.launch_configurations[self.__name]
            if value not in self.__choices:
                raise RuntimeError(f"Argument '{self.__name}' provided value '{value}' is not "
                                   f'valid. Valid options are: {self.__choices}')


class EmitEvent(Action):
    """Mirror of ``EmitEvent(*, event, **kwargs)``."""

    def __init__(self, *, event, **kwargs):
        super().__init__(**kwargs)
        from ..event import Event
        if not isinstance(event, Event):
            raise TypeError(f"EmitEvent() expected an event instance, got '{event}'.")
        self.__event = event

    @property
    def event(self):
        """Getter for self.__event."""
        return self.__event

    def execute(self, context):
        """Execute the action."""
        context.emit_event_sync(self.__event)


class RegisterEventHandler(Action):
    """Mirror of ``RegisterEventHandler(event_handler, **kwargs)``."""

    def __init__(self, event_handler, **kwargs):
        super().__init__(**kwargs)
        self.__event_handler = event_handler

    @property
    def event_handler(self):
        """Getter for self.__event_handler."""
        return self.__event_handler

    def execute(self, context):
        """Register the event handler."""
        context.register_event_handler(self.__event_handler)


class OpaqueFunction(Action):
    """Mirror of ``OpaqueFunction(*, function, args=None, kwargs=None)`` (no condition)."""

    def __init__(self, *, function, args=None, kwargs=None):
        super().__init__()
        if not callable(function):
            raise TypeError("OpaqueFunction expected a callable for 'function', got '{}'"
                            .format(type(function)))
        self.__function = function
        self.__args = [] if args is None else list(args)
        self.__kwargs = {} if kwargs is None else dict(kwargs)

    def execute(self, context):
        """Call the function; its return value (entities or None) is visited next."""
        return self.__function(context, *self.__args, **self.__kwargs)


class LogInfo(Action):
    """Mirror of ``LogInfo(*, msg, **kwargs)``: logs to the ``launch.user`` logger."""

    def __init__(self, *, msg, **kwargs):
        super().__init__(**kwargs)
        self.__msg = normalize_to_list_of_substitutions(msg)

    @property
    def msg(self):
        """Getter for self.__msg."""
        return self.__msg

    def execute(self, context):
        """Log the message (and record it for the stand-in's observers)."""
        text = perform_substitutions(context, self.__msg)
        self.standin_text = text
        logging.getLogger('launch.user').info(text)


_EXECUTE_PROCESS_KWARGS = ('prefix', 'name', 'cwd', 'env', 'additional_env', 'shell',
                           'sigterm_timeout', 'sigkill_timeout', 'emulate_tty', 'output',
                           'output_format', 'cached_output', 'log_cmd', 'on_exit', 'respawn',
                           'respawn_delay')


class ExecuteProcess(Action):
    """Mirror of ``ExecuteProcess(*, cmd, ...)``; executing it records, never starts, it."""

    def __init__(self, *, cmd, **kwargs):
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in _EXECUTE_PROCESS_KWARGS}
        super().__init__(**kwargs)
        self.__cmd = [normalize_to_list_of_substitutions(part) for part in cmd]
        self.__options = options
        self.standin_cmd = None

    @property
    def name(self):
        """Getter for name."""
        return self.__options.get('name')

    @property
    def cmd(self):
        """Return the command: a list of lists of substitutions."""
        return self.__cmd

    def execute(self, context):
        """Perform the command's substitutions and record the process as started."""
        self.standin_cmd = [perform_substitutions(context, part) for part in self.__cmd]
        context.standin_processes.append(self)


__all__ = ['DeclareLaunchArgument', 'EmitEvent', 'ExecuteProcess', 'LogInfo', 'OpaqueFunction',
           'RegisterEventHandler']
