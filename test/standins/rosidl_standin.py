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
Stand-in for the Python message classes that rosidl generates (ROS 2 Humble).

Mirrors ``rosidl_generator_py/resource/_msg.py.em`` of ``ros2/rosidl_python`` (branch humble):
one class per message with ``__slots__``, a keyword-only constructor with every field defaulted,
property setters that check types with ``assert`` exactly where the generated ones do (so they
vanish under ``python -O``, as the real ones), ``__eq__``, ``__repr__``,
``get_fields_and_field_types()`` and constants as read-only class attributes.

Storage follows the generator: sequences of numeric types are ``array.array`` (``uint8[]`` is
``array.array('B')``), fixed-size numeric arrays are numpy arrays, everything else (strings,
bools, bytes, nested messages) is a list. Assigning an ``array.array`` of the right type code
stores it as is; any other value goes through the per-element checks (a Python loop, which is
what makes ``msg.data = bytes(...)`` slow on a real install) and is copied; the constructor always
builds a new ``array.array`` from what it is given (a fast memcpy for ``bytes``/``array``).

The field definitions come from rosbags' ROS 2 Humble type store (generated from the released
``.msg`` files of common_interfaces, rcl_interfaces and the like) and, for vision_msgs 4.1.x, from
``jetson_dnn_ros.msgdefs``. rosbags drops the default values written in ``.msg`` files; the few
the stand-in packages need are listed in :data:`MSG_DEFAULTS` from the released ``.msg`` texts.
"""

import array
from collections import UserList
from collections import UserString
from collections.abc import Sequence
from collections.abc import Set
import importlib
import importlib.util
import math
import os
import re
import threading

import numpy

# rosbags base type name -> rosidl (IDL) type name, as used by get_fields_and_field_types().
_IDL_NAMES = {
    'bool': 'boolean', 'byte': 'octet', 'char': 'uint8', 'float32': 'float', 'float64': 'double',
    'int8': 'int8', 'uint8': 'uint8', 'int16': 'int16', 'uint16': 'uint16', 'int32': 'int32',
    'uint32': 'uint32', 'int64': 'int64', 'uint64': 'uint64', 'string': 'string',
}

# rosidl_generator_py SPECIAL_NESTED_BASIC_TYPES: stored in array.array / numpy arrays.
NUMERIC_TYPES = {
    'float': ('f', numpy.float32), 'double': ('d', numpy.float64),
    'int8': ('b', numpy.int8), 'uint8': ('B', numpy.uint8),
    'int16': ('h', numpy.int16), 'uint16': ('H', numpy.uint16),
    'int32': ('i', numpy.int32), 'uint32': ('I', numpy.uint32),
    'int64': ('q', numpy.int64), 'uint64': ('Q', numpy.uint64),
}

_INT_RANGES = {
    'int8': (-2 ** 7, 2 ** 7), 'uint8': (0, 2 ** 8), 'int16': (-2 ** 15, 2 ** 15),
    'uint16': (0, 2 ** 16), 'int32': (-2 ** 31, 2 ** 31), 'uint32': (0, 2 ** 32),
    'int64': (-2 ** 63, 2 ** 63), 'uint64': (0, 2 ** 64),
}
_FLOAT_MAX = {'float': 3.402823466e+38, 'double': 1.7976931348623157e+308}
_FLOAT_WORD = {'float': 'float', 'double': 'double'}

MSG_DEFAULTS = {
    # geometry_msgs/msg/Quaternion.msg (common_interfaces 4.2.x):
    #   float64 x 0 / float64 y 0 / float64 z 0 / float64 w 1
    'geometry_msgs/msg/Quaternion': {'x': 0.0, 'y': 0.0, 'z': 0.0, 'w': 1.0},
    # rcl_interfaces/msg/ParameterDescriptor.msg (rcl_interfaces 1.2.x):
    #   bool read_only false / bool dynamic_typing false
    'rcl_interfaces/msg/ParameterDescriptor': {'read_only': False, 'dynamic_typing': False},
}
"""Default values written in the ``.msg`` files (rosbags does not keep them)."""

_LOCK = threading.RLock()
_FIELDDEFS = None
_CLASSES = {}


def _load_msgdefs_module():
    try:
        return importlib.import_module('jetson_dnn_ros.msgdefs')
    except ImportError:
        # The repository root is not on sys.path: load the file next to this test tree.
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                            'jetson_dnn_ros', 'msgdefs.py')
        spec = importlib.util.spec_from_file_location('_standin_msgdefs', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def fielddefs():
    """
    Return rosbags field definitions of every type the stand-in packages offer.

    :return: dict ``'pkg/msg/Name' -> (constants, fields)`` in rosbags' format.
    """
    global _FIELDDEFS
    with _LOCK:
        if _FIELDDEFS is None:
            from rosbags.typesys import get_typestore
            from rosbags.typesys import Stores

            typestore = get_typestore(Stores.ROS2_HUMBLE)
            _load_msgdefs_module().register_vision_msgs(typestore)
            _FIELDDEFS = dict(typestore.fielddefs)
        return _FIELDDEFS


def _camel_to_snake(name):
    # rosidl_cmake convert_camel_case_to_lower_case_underscore
    value = re.sub('(.)([A-Z][a-z]+)', r'\1_\2', name)
    value = re.sub('([a-z0-9])([A-Z])', r'\1_\2', value)
    return value.lower()


def _short(full_name):
    pkg, _, name = full_name.split('/')
    return f'{pkg}/{name}'


def get_message_class(full_name):
    """
    Return the stand-in class of a message type, importing its package module.

    :param full_name: ``'pkg/msg/Name'``.
    :return: the message class.
    """
    pkg, _, name = full_name.split('/')
    return getattr(importlib.import_module(f'{pkg}.msg'), name)


class _Field:
    """One member of a message, decoded from a rosbags field definition."""

    def __init__(self, name, fdef):
        self.name = name
        node, spec = fdef
        kind = getattr(node, 'name', str(node))
        self.container = None
        self.size = 0
        if kind in ('ARRAY', 'SEQUENCE'):
            self.container = 'array' if kind == 'ARRAY' else 'sequence'
            (node, spec), self.size = spec
            kind = getattr(node, 'name', str(node))
        if kind == 'NAME':
            self.nested = spec
            self.idl = None
            self.strbound = 0
            elem_str = _short(spec)
        else:
            self.nested = None
            self.idl = _IDL_NAMES[spec[0]]
            self.strbound = spec[1]
            elem_str = self.idl if not self.strbound else f'{self.idl}<={self.strbound}'
        if self.container == 'array':
            self.type_str = f'{elem_str}[{self.size}]'
        elif self.container == 'sequence':
            self.type_str = (f'sequence<{elem_str}, {self.size}>' if self.size
                             else f'sequence<{elem_str}>')
        else:
            self.type_str = elem_str
        self.numeric = self.idl in NUMERIC_TYPES


def _elem_ok_and_text(field):
    """Return (predicate on one element, text of the element condition) for a field."""
    idl = field.idl
    if field.nested is not None:
        cls_name = field.nested.split('/')[-1]
        return (lambda v: isinstance(v, get_message_class(field.nested))), \
            f"each value of type '{cls_name}'"
    if idl == 'boolean':
        return (lambda v: isinstance(v, bool)), "each value of type 'bool'"
    if idl == 'octet':
        return (lambda v: isinstance(v, (bytes, bytearray)) and len(v) == 1), \
            "each value of type 'bytes' or 'ByteString' with length 1"
    if idl == 'string':
        if field.strbound:
            bound = field.strbound
            return (lambda v: isinstance(v, str) and len(v) <= bound), \
                f"each value of type 'str' and each string value not longer than {bound}"
        return (lambda v: isinstance(v, str)), "each value of type 'str'"
    if idl in _FLOAT_MAX:
        top = _FLOAT_MAX[idl]
        return (lambda v: isinstance(v, float) and (not (v < -top or v > top) or math.isinf(v))), \
            f"each value of type 'float' and each {_FLOAT_WORD[idl]} in [{-top}, {top}]"
    low, high = _INT_RANGES[idl]
    word = 'unsigned integer' if low == 0 else 'integer'
    return (lambda v: isinstance(v, int) and low <= v < high), \
        f"each value of type 'int' and each {word} in [{low}, {high - 1}]"


def _make_property(field):
    name = field.name
    slot = '_' + name

    def getter(self):
        return getattr(self, slot)

    if field.container is None:
        setter = _scalar_setter(field, slot)
    elif field.numeric and field.container == 'sequence':
        setter = _numeric_sequence_setter(field, slot)
    elif field.numeric:
        setter = _numeric_array_setter(field, slot)
    else:
        setter = _list_setter(field, slot)
    return property(getter, setter)


def _scalar_setter(field, slot):
    name, idl = field.name, field.idl

    if field.nested is not None:
        nested = field.nested
        cls_name = nested.split('/')[-1]

        def setter(self, value):
            if __debug__:
                assert isinstance(value, get_message_class(nested)), \
                    f"The '{name}' field must be a sub message of type '{cls_name}'"
            object.__setattr__(self, slot, value)
    elif idl == 'boolean':
        def setter(self, value):
            if __debug__:
                assert isinstance(value, bool), f"The '{name}' field must be of type 'bool'"
            object.__setattr__(self, slot, value)
    elif idl == 'octet':
        def setter(self, value):
            if __debug__:
                assert isinstance(value, (bytes, bytearray)) and len(value) == 1, \
                    f"The '{name}' field must be of type 'bytes' or 'ByteString' with length 1"
            object.__setattr__(self, slot, value)
    elif idl == 'string':
        bound = field.strbound

        def setter(self, value):
            if __debug__:
                assert isinstance(value, str), f"The '{name}' field must be of type 'str'"
                if bound:
                    assert len(value) <= bound, \
                        f"The length of '{name}' must be <= {bound}"
            object.__setattr__(self, slot, value)
    elif idl in _FLOAT_MAX:
        top = _FLOAT_MAX[idl]
        word = _FLOAT_WORD[idl]

        def setter(self, value):
            if __debug__:
                assert isinstance(value, float), f"The '{name}' field must be of type 'float'"
                assert not (value < -top or value > top) or math.isinf(value), \
                    f"The '{name}' field must be a {word} in [{-top}, {top}]"
            object.__setattr__(self, slot, value)
    else:
        low, high = _INT_RANGES[idl]
        word = 'an unsigned integer' if low == 0 else 'an integer'

        def setter(self, value):
            if __debug__:
                assert isinstance(value, int), f"The '{name}' field must be of type 'int'"
                assert low <= value < high, \
                    f"The '{name}' field must be {word} in [{low}, {high - 1}]"
            object.__setattr__(self, slot, value)
    return setter


def _is_sequence_like(value):
    return ((isinstance(value, Sequence) or isinstance(value, Set) or
             isinstance(value, UserList)) and
            not isinstance(value, str) and not isinstance(value, UserString))


def _numeric_sequence_setter(field, slot):
    name, bound = field.name, field.size
    typecode = NUMERIC_TYPES[field.idl][0]
    ok, text = _elem_ok_and_text(field)
    length_text = f' with length <= {bound}' if bound else ''

    def setter(self, value):
        if isinstance(value, array.array):
            assert value.typecode == typecode, \
                f"The '{name}' array.array() must have the type code of '{typecode}'"
            if bound:
                assert len(value) <= bound, \
                    f"The '{name}' array.array() must have a length <= {bound}"
            object.__setattr__(self, slot, value)
            return
        if __debug__:
            assert (_is_sequence_like(value) and
                    (not bound or len(value) <= bound) and
                    all(ok(v) for v in value)), \
                f"The '{name}' field must be a set or sequence{length_text} and {text}"
        object.__setattr__(self, slot, array.array(typecode, value))
    return setter


def _numeric_array_setter(field, slot):
    name, size = field.name, field.size
    dtype = NUMERIC_TYPES[field.idl][1]
    dtype_name = f'numpy.{numpy.dtype(dtype).name}'
    ok, text = _elem_ok_and_text(field)

    def setter(self, value):
        if isinstance(value, numpy.ndarray):
            assert value.dtype == dtype, \
                f"The '{name}' numpy.ndarray() must have the dtype of '{dtype_name}'"
            assert value.size == size, \
                f"The '{name}' numpy.ndarray() must have a size of {size}"
            object.__setattr__(self, slot, value)
            return
        if __debug__:
            assert (_is_sequence_like(value) and len(value) == size and
                    all(ok(v) for v in value)), \
                f"The '{name}' field must be a set or sequence with length {size} and {text}"
        object.__setattr__(self, slot, numpy.array(value, dtype=dtype))
    return setter


def _list_setter(field, slot):
    name, size = field.name, field.size
    ok, text = _elem_ok_and_text(field)
    if field.container == 'array':
        def length_ok(value):
            return len(value) == size
        length_text = f' with length {size}'
    elif size:
        def length_ok(value):
            return len(value) <= size
        length_text = f' with length <= {size}'
    else:
        def length_ok(value):
            return True
        length_text = ''

    def setter(self, value):
        if __debug__:
            assert (_is_sequence_like(value) and length_ok(value) and
                    all(ok(v) for v in value)), \
                f"The '{name}' field must be a set or sequence{length_text} and {text}"
        object.__setattr__(self, slot, value)
    return setter


def _default_scalar(field, explicit):
    if field.name in explicit:
        return explicit[field.name]
    if field.nested is not None:
        return None  # built lazily: a new sub message per instance
    return {'boolean': False, 'octet': bytes([0]), 'string': ''}.get(
        field.idl, 0.0 if field.idl in _FLOAT_MAX else 0)


def _constant_value(ctype, value):
    if ctype == 'byte':
        return bytes([value]) if isinstance(value, int) else value
    if ctype == 'bool':
        return bool(value)
    if ctype in ('float32', 'float64'):
        return float(value)
    return value


def _build_class(full_name):
    consts, fdefs = fielddefs()[full_name]
    pkg, _, cls_name = full_name.split('/')
    fields = [_Field(name, fdef) for name, fdef in fdefs]
    explicit = MSG_DEFAULTS.get(full_name, {})
    constants = {cname: _constant_value(ctype, cvalue) for cname, ctype, cvalue in consts}
    for fname, fvalue in explicit.items():
        constants[f'{fname.upper()}__DEFAULT'] = fvalue

    def __init__(self, **kwargs):
        assert all('_' + key in self.__slots__ for key in kwargs.keys()), \
            'Invalid arguments passed to constructor: %s' % ', '.join(
                sorted(k for k in kwargs.keys() if '_' + k not in self.__slots__))
        for field in fields:
            name = field.name
            if field.container is None:
                if name in kwargs:
                    value = kwargs[name]
                elif field.nested is not None:
                    value = get_message_class(field.nested)()
                else:
                    value = _default_scalar(field, explicit)
                setattr(self, name, value)
            elif field.numeric and field.container == 'sequence':
                typecode = NUMERIC_TYPES[field.idl][0]
                setattr(self, name, array.array(typecode, kwargs.get(name, [])))
            elif field.numeric:
                dtype = NUMERIC_TYPES[field.idl][1]
                if name not in kwargs:
                    setattr(self, name, numpy.zeros(field.size, dtype=dtype))
                else:
                    setattr(self, name, numpy.array(kwargs.get(name), dtype=dtype))
                    assert getattr(self, name).shape == (field.size, )
            elif field.container == 'array':
                if name in kwargs:
                    setattr(self, name, kwargs[name])
                elif field.nested is not None:
                    nested_cls = get_message_class(field.nested)
                    setattr(self, name, [nested_cls() for _ in range(field.size)])
                else:
                    setattr(self, name, [_default_scalar(field, {})
                                         for _ in range(field.size)])
            else:
                setattr(self, name, kwargs.get(name, []))

    def __repr__(self):
        typename = self.__class__.__module__.split('.')
        typename.pop()
        typename.append(self.__class__.__name__)
        args = []
        for field in fields:
            value = getattr(self, field.name)
            fieldstr = repr(value)
            if field.container == 'sequence' and field.numeric:
                if len(value) == 0:
                    fieldstr = '[]'
                else:
                    assert fieldstr.startswith('array(')
                    prefix = "array('X', "
                    suffix = ')'
                    fieldstr = fieldstr[len(prefix):-len(suffix)]
            args.append(field.name + '=' + fieldstr)
        return '%s(%s)' % ('.'.join(typename), ', '.join(args))

    def __eq__(self, other):
        if not isinstance(other, self.__class__):
            return False
        for field in fields:
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            if field.container == 'array' and field.numeric:
                # rosidl_generator_py (humble) compares fixed numeric arrays with all(a != b).
                if all(mine != theirs):
                    return False
            elif mine != theirs:
                return False
        return True

    fields_and_types = {field.name: field.type_str for field in fields}

    def get_fields_and_field_types(cls):
        return dict(fields_and_types)

    namespace = {
        '__slots__': ['_' + field.name for field in fields],
        '_fields_and_field_types': dict(fields_and_types),
        '__init__': __init__,
        '__repr__': __repr__,
        '__eq__': __eq__,
        '__module__': f'{pkg}.msg._{_camel_to_snake(cls_name)}',
        '__qualname__': cls_name,
        '__doc__': f'Message class {cls_name!r} (stand-in, fields of {full_name}).',
        'get_fields_and_field_types': classmethod(get_fields_and_field_types),
    }
    namespace.update(constants)
    for field in fields:
        namespace[field.name] = _make_property(field)

    meta_namespace = {
        '_TYPE_SUPPORT': 'standin',
        '_CREATE_ROS_MESSAGE': 'standin',
        '_CONVERT_FROM_PY': 'standin',
        '_CONVERT_TO_PY': 'standin',
        '_DESTROY_ROS_MESSAGE': 'standin',
        '__import_type_support__': classmethod(lambda cls: None),
        '__module__': namespace['__module__'],
    }
    for cname, cvalue in constants.items():
        meta_namespace[cname] = property(lambda self, _v=cvalue: _v)
    meta = type(f'Metaclass_{cls_name}', (type, ), meta_namespace)
    return meta(cls_name, (), namespace)


def message_class(full_name):
    """
    Return (building it once) the stand-in class of a message type.

    :param full_name: ``'pkg/msg/Name'``.
    :return: the class.
    :raises KeyError: if the type is unknown to the stand-in.
    """
    with _LOCK:
        cls = _CLASSES.get(full_name)
        if cls is None:
            cls = _build_class(full_name)
            _CLASSES[full_name] = cls
        return cls


def define_package(module_globals, package):
    """
    Fill a ``<package>.msg`` module with the classes of every message of ``package``.

    :param module_globals: ``globals()`` of the ``msg`` module.
    :param package: package name, e.g. ``'sensor_msgs'``.
    """
    prefix = f'{package}/msg/'
    names = sorted(name for name in fielddefs() if name.startswith(prefix))
    for full_name in names:
        module_globals[full_name[len(prefix):]] = message_class(full_name)
    module_globals['__all__'] = [name[len(prefix):] for name in names]


def _service_half(package, name, text):
    """
    Return rosbags field definitions of one half of a ``.srv`` file.

    As rosidl_adapter does, an empty half gets the member
    ``uint8 structure_needs_at_least_one_member``.
    """
    from rosbags.typesys import get_types_from_msg
    if not text.strip():
        text = 'uint8 structure_needs_at_least_one_member\n'
    # parsed as a message of the package, so relative nested names resolve to <package>/msg/
    parsed = get_types_from_msg(text, f'{package}/msg/{name}')
    return parsed[f'{package}/msg/{name}']


def service_class(package, name, definition):
    """
    Return (building it once) the stand-in class of a service type.

    Mirrors ``rosidl_generator_py/resource/_srv.py.em`` (branch humble): the service class
    has ``Request`` and ``Response`` message classes (``<Name>_Request``/``<Name>_Response``
    of module ``<package>.srv._<name>``) and cannot be instantiated.

    :param package: package name, e.g. ``'lifecycle_msgs'``.
    :param name: service name, e.g. ``'ChangeState'``.
    :param definition: the ``.srv`` text (request ``---`` response); comments allowed.
    :return: the service class.
    """
    full_name = f'{package}/srv/{name}'
    with _LOCK:
        cls = _CLASSES.get(full_name)
        if cls is not None:
            return cls
        request_text, response_text = definition.split('---\n', 1)
        module = f'{package}.srv._{_camel_to_snake(name)}'
        halves = {}
        for suffix, text in (('Request', request_text), ('Response', response_text)):
            half = f'{full_name}_{suffix}'
            fielddefs()[half] = _service_half(package, f'{name}_{suffix}', text)
            half_cls = message_class(half)
            half_cls.__module__ = module
            halves[suffix] = half_cls

        def __init__(self):
            raise NotImplementedError('Service classes can not be instantiated')

        meta = type(f'Metaclass_{name}', (type, ), {
            '_TYPE_SUPPORT': 'standin',
            '__import_type_support__': classmethod(lambda cls: None),
            '__module__': module,
        })
        cls = meta(name, (), {'Request': halves['Request'], 'Response': halves['Response'],
                              '__init__': __init__, '__module__': module,
                              '__qualname__': name,
                              '__doc__': f'Service class {name!r} (stand-in of {full_name}).'})
        _CLASSES[full_name] = cls
        return cls


def define_services(module_globals, package, definitions):
    """
    Fill a ``<package>.srv`` module with the service classes of ``definitions``.

    :param module_globals: ``globals()`` of the ``srv`` module.
    :param package: package name, e.g. ``'lifecycle_msgs'``.
    :param definitions: ``{service name: .srv text}`` as released.
    """
    for name, definition in sorted(definitions.items()):
        cls = service_class(package, name, definition)
        module_globals[name] = cls
        module_globals[f'{name}_Request'] = cls.Request
        module_globals[f'{name}_Response'] = cls.Response
    module_globals['__all__'] = sorted(definitions)


def is_message(obj):
    """Return True if ``obj`` is an instance of a stand-in message class."""
    return getattr(type(type(obj)), '_TYPE_SUPPORT', None) == 'standin' and \
        hasattr(obj, '_fields_and_field_types')


__all__ = ['MSG_DEFAULTS', 'NUMERIC_TYPES', 'define_package', 'define_services', 'fielddefs',
           'get_message_class', 'is_message', 'message_class', 'service_class']
