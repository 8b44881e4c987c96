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

"""Tests of jetson_dnn_ros.msgdefs: vision_msgs 4.1.x definitions and the rosbags type store."""

from jetson_dnn_ros.msgdefs import make_typestore, register_vision_msgs, VISION_MSGS
import numpy as np
import pytest
from rosbags.typesys import get_types_from_msg

# RIHS01 type hashes that rosidl generated from the released vision_msgs 4.1.x (taken from the
# generated ``vision_msgs/msg/detail/*__description.c`` of a ROS 2 build); equal hashes mean
# equal field names, types, order and nested types, i.e. the same wire format and type.
RIHS01 = {
    'BoundingBox2D': '008eacbb0cf8f26e83795547bed013eec3675485ef386ec056d80eaaf1c1ce2f',
    'Classification': 'f74db28d0eaef3afb78f48bf2161cd709a1383a0309d3454383b25be11345143',
    'Detection2D': '0d12b69df5c593b3455b7346fac8205437a7d4bcb09b9e0e0b2dde787ded38ea',
    'Detection2DArray': '214274120007f4a683866481336b70310268cfa107aebe9d594a6acf75bda968',
    'LabelInfo': '3d37df4015cdf660cc851c51897f2acd957e1ca6205ba0a99aebffb9406b0783',
    'ObjectHypothesis': '51da43cec11c01957a64d1e05a24acd18aae7745ec30b74348ad5f6d634f7f90',
    'ObjectHypothesisWithPose':
        '41c12344c0396c48b81df12467c192d99b2a0eb1463c5c37194e4223251c80bc',
    'Point2D': 'eab0e83f44ab4de92ceaf76dd7d0e7638f2bdd1d16ffbe16c7a136c48e407247',
    'Pose2D': 'b0b5d1d7b4c20dd4fcde3ed1d4b289a919290572007d67a97043814db25d3648',
    'VisionClass': '1e4a11f0fed50b5623cb8ff26ca0e37952a48a9c074d16f804b44e9164c2037a',
    'VisionInfo': '95d3116a17484ad91c9a2686e1d54890bbfc3ff6c6a2de137738c4950d45d284',
}

# Field layout of vision_msgs 4.1.1 on Humble (ROS_HUMBLE_API.md), in rosbags' notation.
LAYOUT = {
    'Point2D': [('x', 'float64'), ('y', 'float64')],
    'Pose2D': [('position', 'vision_msgs/msg/Point2D'), ('theta', 'float64')],
    'BoundingBox2D': [('center', 'vision_msgs/msg/Pose2D'), ('size_x', 'float64'),
                      ('size_y', 'float64')],
    'ObjectHypothesis': [('class_id', 'string'), ('score', 'float64')],
    'ObjectHypothesisWithPose': [('hypothesis', 'vision_msgs/msg/ObjectHypothesis'),
                                 ('pose', 'geometry_msgs/msg/PoseWithCovariance')],
    'Detection2D': [('header', 'std_msgs/msg/Header'),
                    ('results', 'vision_msgs/msg/ObjectHypothesisWithPose[]'),
                    ('bbox', 'vision_msgs/msg/BoundingBox2D'), ('id', 'string')],
    'Detection2DArray': [('header', 'std_msgs/msg/Header'),
                         ('detections', 'vision_msgs/msg/Detection2D[]')],
    # issue 11 item 2: the 3D types of vision_msgs 4.x (4.0 dropped ROS 1's source_cloud,
    # is_tracking and tracking_id and added id, as in Detection2D)
    'BoundingBox3D': [('center', 'geometry_msgs/msg/Pose'),
                      ('size', 'geometry_msgs/msg/Vector3')],
    'Detection3D': [('header', 'std_msgs/msg/Header'),
                    ('results', 'vision_msgs/msg/ObjectHypothesisWithPose[]'),
                    ('bbox', 'vision_msgs/msg/BoundingBox3D'), ('id', 'string')],
    'Detection3DArray': [('header', 'std_msgs/msg/Header'),
                         ('detections', 'vision_msgs/msg/Detection3D[]')],
    'Classification': [('header', 'std_msgs/msg/Header'),
                       ('results', 'vision_msgs/msg/ObjectHypothesis[]')],
    'VisionClass': [('class_id', 'uint16'), ('class_name', 'string')],
    'LabelInfo': [('header', 'std_msgs/msg/Header'),
                  ('class_map', 'vision_msgs/msg/VisionClass[]'), ('threshold', 'float32')],
    'VisionInfo': [('header', 'std_msgs/msg/Header'), ('method', 'string'),
                   ('database_location', 'string'), ('database_version', 'int32')],
}


def _notation(fdef):
    node, spec = fdef
    kind = node.name
    if kind == 'BASE':
        return spec[0]
    if kind == 'NAME':
        return spec
    (sub_node, sub_spec), size = spec
    inner = sub_spec if sub_node.name == 'NAME' else sub_spec[0]
    return f'{inner}[{size or ""}]'


def _assert_same(a, b):
    """Compare rosbags messages recursively (their numpy fields defeat ``==``)."""
    if hasattr(a, '__msgtype__'):
        assert a.__msgtype__ == b.__msgtype__
        for name in a.__dataclass_fields__:
            if name != '__msgtype__':
                _assert_same(getattr(a, name), getattr(b, name))
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        assert a == b


def test_vision_msgs_has_the_published_types():
    assert sorted(VISION_MSGS) == sorted(f'vision_msgs/msg/{name}' for name in LAYOUT)


@pytest.mark.parametrize('name', sorted(LAYOUT))
def test_definition_parses_to_the_humble_layout(name):
    full = f'vision_msgs/msg/{name}'
    types = get_types_from_msg(VISION_MSGS[full], full)
    consts, fields = types[full]
    assert consts == []
    assert [(fname, _notation(fdef)) for fname, fdef in fields] == LAYOUT[name]


@pytest.mark.parametrize('name', sorted(RIHS01))
def test_type_hash_matches_rosidl(name):
    assert make_typestore().hash_rihs01(f'vision_msgs/msg/{name}') == f'RIHS01_{RIHS01[name]}'


def test_make_typestore_is_cached_and_knows_core_types():
    store = make_typestore()
    assert make_typestore() is store
    for name in ('std_msgs/msg/Header', 'sensor_msgs/msg/Image', 'diagnostic_msgs/msg/KeyValue',
                 'vision_msgs/msg/Detection2DArray', 'vision_msgs/msg/LabelInfo'):
        assert name in store.types


def test_register_vision_msgs_into_another_store():
    from rosbags.typesys import get_typestore, Stores
    store = get_typestore(Stores.ROS2_HUMBLE)
    assert 'vision_msgs/msg/Pose2D' not in store.types
    register_vision_msgs(store)
    assert store.hash_rihs01('vision_msgs/msg/Pose2D') == f'RIHS01_{RIHS01["Pose2D"]}'


def _detection_array(store):
    t = store.types
    header = t['std_msgs/msg/Header'](
        stamp=t['builtin_interfaces/msg/Time'](sec=12, nanosec=345), frame_id='camera')
    pose = t['geometry_msgs/msg/PoseWithCovariance'](
        pose=t['geometry_msgs/msg/Pose'](
            position=t['geometry_msgs/msg/Point'](x=1.0, y=2.0, z=0.0),
            orientation=t['geometry_msgs/msg/Quaternion'](x=0.0, y=0.0, z=0.0, w=1.0)),
        covariance=np.arange(36, dtype=np.float64))
    detections = []
    for i, class_id in enumerate(['class0', 'class1', 'class2']):
        hypothesis = t['vision_msgs/msg/ObjectHypothesisWithPose'](
            hypothesis=t['vision_msgs/msg/ObjectHypothesis'](class_id=class_id, score=0.25 * i),
            pose=pose)
        bbox = t['vision_msgs/msg/BoundingBox2D'](
            center=t['vision_msgs/msg/Pose2D'](
                position=t['vision_msgs/msg/Point2D'](x=10.5 + i, y=20.25), theta=0.0),
            size_x=4.0, size_y=8.0)
        detections.append(t['vision_msgs/msg/Detection2D'](
            header=header, results=[hypothesis], bbox=bbox, id=str(i)))
    return t['vision_msgs/msg/Detection2DArray'](header=header, detections=detections)


def test_detection2d_array_cdr_round_trip():
    store = make_typestore()
    msg = _detection_array(store)
    raw = store.serialize_cdr(msg, 'vision_msgs/msg/Detection2DArray')
    back = store.deserialize_cdr(raw, 'vision_msgs/msg/Detection2DArray')
    _assert_same(msg, back)
    assert back.detections[2].bbox.center.position.x == 12.5
    assert back.detections[1].results[0].hypothesis.class_id == 'class1'


def test_empty_detection_array_wire_size():
    store = make_typestore()
    t = store.types
    msg = t['vision_msgs/msg/Detection2DArray'](
        header=t['std_msgs/msg/Header'](stamp=t['builtin_interfaces/msg/Time'](sec=1, nanosec=2),
                                        frame_id=''),
        detections=[])
    raw = bytes(store.serialize_cdr(msg, 'vision_msgs/msg/Detection2DArray'))
    # encapsulation (4) + sec, nanosec (8) + frame_id length and NUL (5) + pad (3) + count (4)
    assert len(raw) == 24
    assert raw[:4] == b'\x00\x01\x00\x00'


@pytest.mark.parametrize('name', ['LabelInfo', 'Classification', 'VisionInfo'])
def test_other_types_round_trip(name):
    store = make_typestore()
    t = store.types
    header = t['std_msgs/msg/Header'](stamp=t['builtin_interfaces/msg/Time'](sec=3, nanosec=4),
                                      frame_id='f')
    if name == 'LabelInfo':
        msg = t['vision_msgs/msg/LabelInfo'](header=header, threshold=0.5, class_map=[
            t['vision_msgs/msg/VisionClass'](class_id=65535, class_name='unlabeled')])
    elif name == 'Classification':
        msg = t['vision_msgs/msg/Classification'](header=header, results=[
            t['vision_msgs/msg/ObjectHypothesis'](class_id='cat', score=0.875)])
    else:
        msg = t['vision_msgs/msg/VisionInfo'](header=header, method='yolo',
                                              database_location='/labels', database_version=-2)
    full = f'vision_msgs/msg/{name}'
    _assert_same(msg, store.deserialize_cdr(store.serialize_cdr(msg, full), full))
