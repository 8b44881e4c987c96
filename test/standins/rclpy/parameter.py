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
Stand-in for ``rclpy/rclpy/parameter.py`` (branch humble).

``Parameter(name, type_=None, value=None)`` infers the type from the value when ``type_`` is
None (``[]`` infers BYTE_ARRAY, as upstream: declare an empty list with
``ParameterDescriptor(dynamic_typing=True)`` or a ``Parameter.Type``), and checks that type and
value agree (``ValueError`` otherwise; an int is not a DOUBLE).
"""

import array
from enum import Enum

from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.msg import ParameterType
from rcl_interfaces.msg import ParameterValue

PARAMETER_SEPARATOR_STRING = '.'

# (Type name, ParameterValue field) in ParameterType order.
_VALUE_FIELDS = {
    ParameterType.PARAMETER_BOOL: 'bool_value',
    ParameterType.PARAMETER_INTEGER: 'integer_value',
    ParameterType.PARAMETER_DOUBLE: 'double_value',
    ParameterType.PARAMETER_STRING: 'string_value',
    ParameterType.PARAMETER_BYTE_ARRAY: 'byte_array_value',
    ParameterType.PARAMETER_BOOL_ARRAY: 'bool_array_value',
    ParameterType.PARAMETER_INTEGER_ARRAY: 'integer_array_value',
    ParameterType.PARAMETER_DOUBLE_ARRAY: 'double_array_value',
    ParameterType.PARAMETER_STRING_ARRAY: 'string_array_value',
}


def _all(values, kind):
    return all(isinstance(v, kind) for v in values)


class Parameter:
    """A named, typed parameter value."""

    class Type(Enum):
        """Parameter types, valued as ``rcl_interfaces/msg/ParameterType``."""

        NOT_SET = ParameterType.PARAMETER_NOT_SET
        BOOL = ParameterType.PARAMETER_BOOL
        INTEGER = ParameterType.PARAMETER_INTEGER
        DOUBLE = ParameterType.PARAMETER_DOUBLE
        STRING = ParameterType.PARAMETER_STRING
        BYTE_ARRAY = ParameterType.PARAMETER_BYTE_ARRAY
        BOOL_ARRAY = ParameterType.PARAMETER_BOOL_ARRAY
        INTEGER_ARRAY = ParameterType.PARAMETER_INTEGER_ARRAY
        DOUBLE_ARRAY = ParameterType.PARAMETER_DOUBLE_ARRAY
        STRING_ARRAY = ParameterType.PARAMETER_STRING_ARRAY

        @classmethod
        def from_parameter_value(cls, parameter_value):
            """
            Return the type matching a Python value.

            :raises TypeError: if the value is not of an allowed type.
            """
            value = parameter_value
            if value is None:
                return cls.NOT_SET
            if isinstance(value, bool):
                return cls.BOOL
            if isinstance(value, int):
                return cls.INTEGER
            if isinstance(value, float):
                return cls.DOUBLE
            if isinstance(value, str):
                return cls.STRING
            if isinstance(value, (list, tuple, array.array)):
                # Order matters: an empty sequence passes the first test (BYTE_ARRAY).
                for kind, type_ in ((bytes, cls.BYTE_ARRAY), (bool, cls.BOOL_ARRAY),
                                    (int, cls.INTEGER_ARRAY), (float, cls.DOUBLE_ARRAY),
                                    (str, cls.STRING_ARRAY)):
                    if _all(value, kind):
                        return type_
                raise TypeError(
                    'The given value is not a list of one of the allowed types'
                    f" '{parameter_value}'.")
            raise TypeError(
                f"The given value is not one of the allowed types '{parameter_value}'.")

        def check(self, parameter_value):
            """Return True if ``parameter_value`` is a valid value of this type."""
            value = parameter_value
            kind = Parameter.Type
            if self is kind.NOT_SET:
                return value is None
            scalar = {kind.BOOL: bool, kind.INTEGER: int, kind.DOUBLE: float, kind.STRING: str}
            if self in scalar:
                return isinstance(value, scalar[self])
            if self is kind.BYTE_ARRAY:
                return isinstance(value, (list, tuple)) and all(
                    isinstance(v, bytes) and len(v) == 1 for v in value)
            if self is kind.BOOL_ARRAY:
                return isinstance(value, (list, tuple)) and _all(value, bool)
            if self is kind.INTEGER_ARRAY:
                return isinstance(value, (list, tuple, array.array)) and _all(value, int)
            if self is kind.DOUBLE_ARRAY:
                return isinstance(value, (list, tuple, array.array)) and _all(value, float)
            if self is kind.STRING_ARRAY:
                return isinstance(value, (list, tuple)) and _all(value, str)
            return False

    @classmethod
    def from_parameter_msg(cls, param_msg):
        """Build from an ``rcl_interfaces.msg.Parameter``."""
        type_ = Parameter.Type(value=param_msg.value.type)
        value = None
        if type_ is not Parameter.Type.NOT_SET:
            value = getattr(param_msg.value, _VALUE_FIELDS[type_.value])
        return cls(param_msg.name, type_, value)

    def __init__(self, name, type_=None, value=None):
        if type_ is None:
            # Raises TypeError if no type fits the value.
            type_ = Parameter.Type.from_parameter_value(value)
        if not isinstance(type_, Parameter.Type):
            raise TypeError("type must be an instance of '{}'".format(repr(Parameter.Type)))
        if not type_.check(value):
            raise ValueError("Type '{}' and value '{}' do not agree".format(type_, value))
        self._type_ = type_
        self._name = name
        self._value = value

    @property
    def name(self):
        """Return the parameter name."""
        return self._name

    @property
    def type_(self):
        """Return the :class:`Parameter.Type`."""
        return self._type_

    @property
    def value(self):
        """Return the Python value."""
        return self._value

    def get_parameter_value(self):
        """Return the value as an ``rcl_interfaces.msg.ParameterValue``."""
        parameter_value = ParameterValue(type=self.type_.value)
        if self.type_ is not Parameter.Type.NOT_SET:
            setattr(parameter_value, _VALUE_FIELDS[self.type_.value], self.value)
        return parameter_value

    def to_parameter_msg(self):
        """Return an ``rcl_interfaces.msg.Parameter``."""
        return ParameterMsg(name=self.name, value=self.get_parameter_value())


def parameter_value_to_python(parameter_value):
    """
    Return the Python value held by an ``rcl_interfaces.msg.ParameterValue``.

    :raises RuntimeError: if its ``type`` is unknown.
    """
    if parameter_value.type == ParameterType.PARAMETER_NOT_SET:
        return None
    try:
        value = getattr(parameter_value, _VALUE_FIELDS[parameter_value.type])
    except KeyError:
        raise RuntimeError(f'unexpected parameter type {parameter_value.type}') from None
    if parameter_value.type >= ParameterType.PARAMETER_BYTE_ARRAY:
        value = list(value)
    return value
