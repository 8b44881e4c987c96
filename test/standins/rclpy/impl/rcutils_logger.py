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
Stand-in for ``rclpy/rclpy/impl/rcutils_logger.py`` (branch humble).

Same logging call signature (``info(message, **kwargs)`` …) and the same filters keyed by call
site: ``throttle_duration_sec`` (with ``throttle_time_source_type`` ``RCUTILS_STEADY_TIME``
only), ``skip_first`` and ``once``, processed in that order, their parameters fixed at the first
call from a given line (changing severity, name, filters or their parameters between calls from
one call site raises ``ValueError``; an unknown keyword raises ``TypeError``). ``log`` returns
False when the level or a filter suppressed the message, True otherwise.
"""

import inspect
import logging as _pylogging
import os
import sys
import time

_INTERNAL_FILES = []

_FILTER_PARAMS = {
    # filter: {param: default (None = required)}; dict order is the processing order
    'throttle': {'throttle_duration_sec': None,
                 'throttle_time_source_type': 'RCUTILS_STEADY_TIME'},
    'skip_first': {'skip_first': None},
    'once': {'once': None},
}
_ALL_PARAMS = [p for params in _FILTER_PARAMS.values() for p in params]


def _internal_files():
    if not _INTERNAL_FILES:
        import rclpy.logging
        _INTERNAL_FILES.extend([os.path.realpath(__file__),
                                os.path.realpath(rclpy.logging.__file__)])
    return _INTERNAL_FILES


def _caller_id():
    frame = inspect.currentframe()
    internal = _internal_files()
    while frame is not None and os.path.realpath(frame.f_code.co_filename) in internal:
        frame = frame.f_back
    if frame is None:  # pragma: no cover - only when called from inside this module
        return ('', '', 0, 0), None
    key = (frame.f_code.co_name, os.path.abspath(frame.f_code.co_filename), frame.f_lineno,
           frame.f_lasti)
    return key, frame


def _detect_filters(kwargs):
    detected = [name for name, params in _FILTER_PARAMS.items()
                if any(kwargs.get(p) for p in params)]
    for name in detected:
        for param, default in _FILTER_PARAMS[name].items():
            if param in kwargs:
                continue
            if default is None:
                raise TypeError(
                    'required parameter "{0}" not specified '
                    'but is required for the the logging filter "{1}"'.format(param, name))
            kwargs[param] = default
    for key in kwargs:
        if key not in _ALL_PARAMS:
            raise TypeError('parameter "{0}" is not one of the recognized logging options "{1}"'
                            .format(key, _ALL_PARAMS))
    return detected


def _init_filter(name, context, kwargs):
    for param, default in _FILTER_PARAMS[name].items():
        context[param] = kwargs.get(param, default)
    if name == 'throttle':
        context['throttle_last_logged'] = 0
        if context['throttle_time_source_type'] != 'RCUTILS_STEADY_TIME':
            raise ValueError(
                'Received throttle_time_source_type of "{0}"; currently only '
                'RCUTILS_STEADY_TIME is supported'.format(context['throttle_time_source_type']))
    elif name == 'skip_first':
        context['first_has_been_skipped'] = False
    elif name == 'once':
        context['has_been_logged_once'] = False


def _should_log(name, context):
    if name == 'throttle':
        now = time.monotonic()
        if now >= context['throttle_last_logged'] + context['throttle_duration_sec']:
            context['throttle_last_logged'] = now
            return True
        return False
    if name == 'skip_first':
        if not context['first_has_been_skipped']:
            context['first_has_been_skipped'] = True
            return False
        return True
    if not context['has_been_logged_once']:
        context['has_been_logged_once'] = True
        return True
    return False


_PY_LEVELS = {10: _pylogging.DEBUG, 20: _pylogging.INFO, 30: _pylogging.WARNING,
              40: _pylogging.ERROR, 50: _pylogging.CRITICAL}


class RcutilsLogger:
    """A named logger with rcutils semantics."""

    def __init__(self, name=''):
        self.name = name
        self.contexts = {}

    def get_child(self, name):
        """Return the logger ``<this name>.<name>``."""
        if not name:
            raise ValueError('Child logger name must not be empty.')
        if self.name:
            name = self.name + '.' + name
        return RcutilsLogger(name=name)

    def set_level(self, level):
        """Set this logger's severity threshold."""
        from rclpy.logging import set_logger_level
        set_logger_level(self.name, level)

    def get_effective_level(self):
        """Return the threshold in effect for this logger."""
        from rclpy.logging import get_logger_effective_level
        return get_logger_effective_level(self.name)

    def is_enabled_for(self, severity):
        """Return True if messages of ``severity`` pass this logger's threshold."""
        from rclpy.logging import LoggingSeverity
        return LoggingSeverity(severity) >= self.get_effective_level()

    def log(self, message, severity, **kwargs):
        """
        Log ``message`` with ``severity``; return False if it was suppressed.

        :raises TypeError: on an unknown or incomplete filter keyword.
        :raises ValueError: when a call site changes severity, name or filters.
        """
        from rclpy.logging import LoggingSeverity
        severity = LoggingSeverity(severity)
        name = kwargs.pop('name', self.name)
        detected = _detect_filters(kwargs)
        caller, frame = _caller_id()
        context = self.contexts.get(caller)
        if context is None:
            context = {'name': name, 'severity': severity}
            for filter_name in detected:
                _init_filter(filter_name, context, kwargs)
            context['filters'] = detected
            self.contexts[caller] = context
        else:
            if severity != context['severity']:
                raise ValueError('Logger severity cannot be changed between calls.')
            if name != context['name']:
                raise ValueError('Logger name cannot be changed between calls.')
            if detected != context['filters']:
                raise ValueError('Requested logging filters cannot be changed between calls.')
            for filter_name in detected:
                params = _FILTER_PARAMS[filter_name]
                if any(context[p] != kwargs.get(p, params[p]) for p in params):
                    raise ValueError('Logging filter parameters cannot be changed between calls.')
        if not self.is_enabled_for(severity):
            return False
        for filter_name in context['filters']:
            if not _should_log(filter_name, context):
                return False
        pylogger = _pylogging.getLogger(name)
        record = pylogger.makeRecord(
            name, _PY_LEVELS[int(severity)], caller[1], caller[2], str(message), None, None,
            func=caller[0])
        pylogger.handle(record)
        if not pylogger.hasHandlers():   # rcutils' console output (stderr by default)
            sys.stderr.write(f'[{severity.name}] [{record.created:.9f}] [{name}]: {message}\n')
            sys.stderr.flush()
        return True

    def debug(self, message, **kwargs):
        """Log a message with DEBUG severity."""
        from rclpy.logging import LoggingSeverity
        return self.log(message, LoggingSeverity.DEBUG, **kwargs)

    def info(self, message, **kwargs):
        """Log a message with INFO severity."""
        from rclpy.logging import LoggingSeverity
        return self.log(message, LoggingSeverity.INFO, **kwargs)

    def warning(self, message, **kwargs):
        """Log a message with WARN severity."""
        from rclpy.logging import LoggingSeverity
        return self.log(message, LoggingSeverity.WARN, **kwargs)

    def warn(self, message, **kwargs):
        """Log a message with WARN severity (deprecated alias of :meth:`warning`)."""
        return self.warning(message, **kwargs)

    def error(self, message, **kwargs):
        """Log a message with ERROR severity."""
        from rclpy.logging import LoggingSeverity
        return self.log(message, LoggingSeverity.ERROR, **kwargs)

    def fatal(self, message, **kwargs):
        """Log a message with FATAL severity."""
        from rclpy.logging import LoggingSeverity
        return self.log(message, LoggingSeverity.FATAL, **kwargs)
