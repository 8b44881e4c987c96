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
Stand-in for ``launch/launch/substitutions`` (humble).

``LaunchConfiguration``, ``TextSubstitution``, ``PathJoinSubstitution`` and
``SubstitutionFailure``, with humble's constructors and failures.
"""

import os

from ..substitution import Substitution
from ..utilities import normalize_to_list_of_substitutions, perform_substitutions


class SubstitutionFailure(RuntimeError):
    """Mirror of ``launch.substitutions.substitution_failure.SubstitutionFailure``."""


class TextSubstitution(Substitution):
    """Mirror of ``TextSubstitution(*, text)``."""

    def __init__(self, *, text: str):
        if not isinstance(text, str):
            raise TypeError(f"TextSubstitution expected Text object got '{type(text)}' instead.")
        self.__text = text

    @property
    def text(self):
        """Getter for text."""
        return self.__text

    def perform(self, context) -> str:
        """Perform the substitution by retrieving the text."""
        return self.__text


class LaunchConfiguration(Substitution):
    """Mirror of ``LaunchConfiguration(variable_name, *, default=None)``."""

    def __init__(self, variable_name, *, default=None):
        self.__variable_name = normalize_to_list_of_substitutions(variable_name)
        self.__default = None if default is None else normalize_to_list_of_substitutions(default)

    @property
    def variable_name(self):
        """Getter for variable_name."""
        return self.__variable_name

    def perform(self, context) -> str:
        """Return the value of the launch configuration; raise when it is not set."""
        expanded = perform_substitutions(context, self.__variable_name)
        if expanded not in context.launch_configurations:
            if self.__default is None:
                raise SubstitutionFailure(
                    f"launch configuration '{expanded}' does not exist")
            return perform_substitutions(context, self.__default)
        return context.launch_configurations[expanded]


class PathJoinSubstitution(Substitution):
    """Mirror of ``PathJoinSubstitution(substitutions)``."""

    def __init__(self, substitutions):
        self.__substitutions = [normalize_to_list_of_substitutions(s) for s in substitutions]

    def perform(self, context) -> str:
        """Join the performed parts with os.path.join."""
        return os.path.join(*[perform_substitutions(context, s) for s in self.__substitutions])


__all__ = ['LaunchConfiguration', 'PathJoinSubstitution', 'SubstitutionFailure',
           'TextSubstitution']
