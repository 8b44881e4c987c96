# noqa: A005 -- stand-in for rclpy.logging: keeps rclpy's module name, shadowing stdlib logging
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
Stand-in for ``rclpy/rclpy/logging.py`` (branch humble).

Logger levels live in this module (default INFO, inherited along dotted names, as rcutils).
Records that pass the level and the logging filters are handed to Python's :mod:`logging`
(logger of the same name, bypassing Python's own level check), so pytest's ``caplog`` sees them.
"""

from enum import IntEnum
import threading

from rclpy.impl.rcutils_logger import RcutilsLogger


class LoggingSeverity(IntEnum):
    """Severities of rcutils logging (``RCUTILS_LOG_SEVERITY``)."""

    UNSET = 0
    DEBUG = 10
    INFO = 20
    WARN = 30
    ERROR = 40
    FATAL = 50


_LEVELS = {}
_LOCK = threading.Lock()
_DEFAULT_LEVEL = LoggingSeverity.INFO


def get_logger(name):
    """Return a logger of that name (dotted names form a hierarchy)."""
    if not name:
        raise ValueError('Logger name must not be empty.')
    return RcutilsLogger(name)


def initialize():
    """Initialize logging (no-op in the stand-in)."""


def shutdown():
    """Shut logging down (no-op in the stand-in)."""


def clear_config():
    """Forget every logger level set so far."""
    with _LOCK:
        _LEVELS.clear()


def set_logger_level(name, level):
    """Set the severity threshold of a logger and, unless they set their own, its children."""
    level = LoggingSeverity(level)
    with _LOCK:
        _LEVELS[name] = level


def get_logger_effective_level(name):
    """Return the threshold in effect for a logger (its own, an ancestor's, or INFO)."""
    with _LOCK:
        parts = name.split('.') if name else []
        while parts:
            level = _LEVELS.get('.'.join(parts), LoggingSeverity.UNSET)
            if level != LoggingSeverity.UNSET:
                return level
            parts.pop()
        return _LEVELS.get('', _DEFAULT_LEVEL) or _DEFAULT_LEVEL


def get_logging_directory():
    """Return the directory rcl logging would write to (``~/.ros/log``)."""
    import os
    return os.path.join(os.path.expanduser('~'), '.ros', 'log')
