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
Stand-in for ``launch/launch/conditions`` (humble).

``IfCondition``/``UnlessCondition`` accept exactly 'true', '1', 'false', '0' (stripped,
case-insensitive) and raise ``InvalidConditionExpressionError`` on anything else, as
``evaluate_condition_expression_impl.py`` does.
"""

from ..condition import Condition
from ..utilities import normalize_to_list_of_substitutions, perform_substitutions

VALID_TRUE_EXPRESSIONS = ['true', '1']
VALID_FALSE_EXPRESSIONS = ['false', '0']


class InvalidConditionExpressionError(Exception):
    """Raised when a condition expression is not one of the valid expressions."""

    def __init__(self, expression, substitution_expression, valid_expressions):
        super().__init__(f"invalid condition expression '{expression}' from "
                         f"'{substitution_expression}', expected one of {valid_expressions}")


def evaluate_condition_expression(context, expression) -> bool:
    """Expand ``expression`` and evaluate it as true or false."""
    expanded = perform_substitutions(context, expression).strip().lower()
    if expanded in VALID_TRUE_EXPRESSIONS:
        return True
    if expanded in VALID_FALSE_EXPRESSIONS:
        return False
    raise InvalidConditionExpressionError(expanded, expression,
                                          VALID_TRUE_EXPRESSIONS + VALID_FALSE_EXPRESSIONS)


class IfCondition(Condition):
    """Mirror of ``IfCondition(predicate_expression)``."""

    def __init__(self, predicate_expression):
        self.__predicate_expression = normalize_to_list_of_substitutions(predicate_expression)
        super().__init__(predicate=self._predicate_func)

    def _predicate_func(self, context) -> bool:
        return evaluate_condition_expression(context, self.__predicate_expression)


class UnlessCondition(Condition):
    """Mirror of ``UnlessCondition(predicate_expression)``."""

    def __init__(self, predicate_expression):
        self.__predicate_expression = normalize_to_list_of_substitutions(predicate_expression)
        super().__init__(predicate=self._predicate_func)

    def _predicate_func(self, context) -> bool:
        return not evaluate_condition_expression(context, self.__predicate_expression)


__all__ = ['IfCondition', 'InvalidConditionExpressionError', 'UnlessCondition']
