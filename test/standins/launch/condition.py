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

"""Stand-in for ``launch/launch/condition.py`` (humble)."""


class Condition:
    """Mirror of ``launch.Condition(*, predicate=None)``."""

    def __init__(self, *, predicate=None):
        self._predicate = predicate

    def evaluate(self, context) -> bool:
        """Evaluate the predicate (or ``_predicate_func`` of a subclass)."""
        if self._predicate is not None:
            return self._predicate(context)
        return self._predicate_func(context)

    def _predicate_func(self, context) -> bool:
        raise NotImplementedError('Condition subclasses implement _predicate_func')
