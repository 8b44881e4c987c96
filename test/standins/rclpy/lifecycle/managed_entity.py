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
Stand-in for ``rclpy/rclpy/lifecycle/managed_entity.py`` (branch humble).

``ManagedEntity`` answers every transition with SUCCESS; ``SimpleManagedEntity`` sets an
enabled flag on activate, clears it on deactivate, and ``when_enabled`` turns a method into a
silent no-op while the entity is not enabled.
"""

from functools import wraps

from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy

TransitionCallbackReturn = _rclpy.TransitionCallbackReturnType


class ManagedEntity:
    """An entity whose lifecycle follows its node's."""

    def on_configure(self, state):
        """Handle configure transition request."""
        return TransitionCallbackReturn.SUCCESS

    def on_cleanup(self, state):
        """Handle cleanup transition request."""
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state):
        """Handle shutdown transition request."""
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state):
        """Handle activate transition request."""
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state):
        """Handle deactivate transition request."""
        return TransitionCallbackReturn.SUCCESS

    def on_error(self, state):
        """Handle error transition request."""
        return TransitionCallbackReturn.SUCCESS


class SimpleManagedEntity(ManagedEntity):
    """A managed entity that only sets a flag when activated/deactivated."""

    def __init__(self):
        self._enabled = False

    def on_activate(self, state):
        """Enable the entity."""
        self._enabled = True
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state):
        """Disable the entity."""
        self._enabled = False
        return TransitionCallbackReturn.SUCCESS

    @property
    def is_activated(self):
        """Return True between activate and deactivate."""
        return self._enabled

    @staticmethod
    def when_enabled(wrapped=None, *, when_not_enabled=None):
        """Decorate a method so that it does nothing while the entity is not enabled."""
        def decorator(wrapped):
            @wraps(wrapped)
            def only_when_enabled_wrapper(self, *args, **kwargs):
                if not self._enabled:
                    if when_not_enabled is not None:
                        when_not_enabled()
                    return
                wrapped(self, *args, **kwargs)
            return only_when_enabled_wrapper
        if wrapped is None:
            return decorator
        return decorator(wrapped)
