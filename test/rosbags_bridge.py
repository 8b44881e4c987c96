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
Convert ROS 2 Python messages to and from rosbags messages (test helper, not in the package).

Works on the real rosidl-generated classes and on the stand-in ones alike (it only uses
``get_fields_and_field_types``-style attribute access), so tests can check that a message built
with either serialises to CDR with rosbags and comes back equal: wire compatibility.
"""

import array
import importlib

import numpy as np

_NUMPY = {
    'bool': np.bool_, 'byte': np.uint8, 'char': np.uint8, 'int8': np.int8, 'uint8': np.uint8,
    'int16': np.int16, 'uint16': np.uint16, 'int32': np.int32, 'uint32': np.uint32,
    'int64': np.int64, 'uint64': np.uint64, 'float32': np.float32, 'float64': np.float64,
}
_TYPECODES = {
    'int8': 'b', 'uint8': 'B', 'char': 'B', 'int16': 'h', 'uint16': 'H', 'int32': 'i',
    'uint32': 'I', 'int64': 'q', 'uint64': 'Q', 'float32': 'f', 'float64': 'd',
}


def message_type_name(msg_or_class) -> str:
    """Return ``pkg/msg/Name`` of a ROS 2 Python message (instance or class)."""
    cls = msg_or_class if isinstance(msg_or_class, type) else type(msg_or_class)
    return f'{cls.__module__.split(".")[0]}/msg/{cls.__name__}'


def message_class(type_name: str):
    """Return the ROS 2 Python class of ``pkg/msg/Name`` (real or stand-in)."""
    pkg, _, name = type_name.split('/')
    return getattr(importlib.import_module(f'{pkg}.msg'), name)


def _kind(node) -> str:
    return getattr(node, 'name', str(node))


def to_rosbags(msg, typestore):
    """
    Return the rosbags message equal to a ROS 2 Python message.

    :param msg: a ``sensor_msgs.msg.Image`` … instance.
    :param typestore: a rosbags type store that knows the type (and its nested types).
    :return: the rosbags dataclass instance, ready for ``typestore.serialize_cdr``.
    """
    return _to(msg, message_type_name(msg), typestore)


def _to(msg, type_name, typestore):
    _, fields = typestore.fielddefs[type_name]
    kwargs = {name: _to_value(getattr(msg, name), fdef, typestore) for name, fdef in fields}
    return typestore.types[type_name](**kwargs)


def _to_value(value, fdef, typestore):
    node, spec = fdef
    kind = _kind(node)
    if kind == 'BASE':
        if spec[0] == 'byte':
            return int(value[0])
        return value
    if kind == 'NAME':
        return _to(value, spec, typestore)
    (sub_node, sub_spec), _ = spec
    if _kind(sub_node) == 'NAME':
        return [_to(v, sub_spec, typestore) for v in value]
    base = sub_spec[0]
    if base == 'string':
        return list(value)
    if base == 'byte':
        return np.frombuffer(b''.join(value), dtype=np.uint8).copy()
    return np.asarray(value, dtype=_NUMPY[base])


def from_rosbags(obj, typestore):
    """
    Return the ROS 2 Python message equal to a rosbags message.

    :param obj: a rosbags message (e.g. from ``typestore.deserialize_cdr``).
    :param typestore: the rosbags type store of ``obj``.
    :return: an instance of the (real or stand-in) ROS 2 Python class.
    """
    return _from(obj, obj.__msgtype__, typestore)


def _from(obj, type_name, typestore):
    _, fields = typestore.fielddefs[type_name]
    kwargs = {name: _from_value(getattr(obj, name), fdef, typestore) for name, fdef in fields}
    return message_class(type_name)(**kwargs)


def _from_value(value, fdef, typestore):
    node, spec = fdef
    kind = _kind(node)
    if kind == 'BASE':
        base = spec[0]
        if base == 'byte':
            return bytes([int(value)])
        if base == 'bool':
            return bool(value)
        if base in ('float32', 'float64'):
            return float(value)
        if base == 'string':
            return str(value)
        return int(value)
    if kind == 'NAME':
        return _from(value, spec, typestore)
    (sub_node, sub_spec), _ = spec
    if _kind(sub_node) == 'NAME':
        return [_from(v, sub_spec, typestore) for v in value]
    base = sub_spec[0]
    if base == 'string':
        return [str(v) for v in value]
    if base == 'bool':
        return [bool(v) for v in value]
    if base == 'byte':
        return [bytes([int(v)]) for v in value]
    values = np.ascontiguousarray(value, dtype=_NUMPY[base])
    if kind == 'ARRAY':
        return values
    data = array.array(_TYPECODES[base])
    data.frombytes(values.tobytes())
    return data
