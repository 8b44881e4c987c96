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
Tests of jetson_dnn_ros.ros.conversions: arrays and results to messages and back.

Every message built here is also serialised to CDR with rosbags and read back, which checks
wire compatibility of the (stand-in or real) message classes with ROS 2 Humble.
"""

import array
from types import SimpleNamespace

import cv2
from jetson_dnn_ros.errors import ImageEncodingError
from jetson_dnn_ros.image import ENCODINGS
from jetson_dnn_ros.msgdefs import make_typestore
from jetson_dnn_ros.ros import conversions as conv
import numpy as np
import pytest
from rosbags_bridge import from_rosbags, message_type_name, to_rosbags
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

HEADER = Header(frame_id='camera_optical')
HEADER.stamp.sec = 1700000000
HEADER.stamp.nanosec = 123456789


def cdr_round_trip(msg):
    """Serialise ``msg`` to CDR with rosbags, read it back, check equality; return the copy."""
    store = make_typestore()
    name = message_type_name(msg)
    raw = store.serialize_cdr(to_rosbags(msg, store), name)
    back = from_rosbags(store.deserialize_cdr(raw, name), store)
    assert back == msg
    return back


def sample(encoding, height=5, width=6, seed=0):
    info = ENCODINGS[encoding]
    rng = np.random.default_rng(seed)
    shape = (height, width) if info.channels == 1 else (height, width, info.channels)
    if info.dtype == 'float32':
        return rng.uniform(0.1, 20.0, shape).astype(np.float32)
    return rng.integers(0, np.iinfo(info.dtype).max, shape, endpoint=True).astype(info.dtype)


# ---------------------------------------------------------------------------------- images
@pytest.mark.parametrize('encoding', sorted(ENCODINGS))
def test_image_round_trip_every_encoding(encoding):
    image = sample(encoding)
    msg = conv.array_to_image_msg(image, encoding, HEADER)
    info = ENCODINGS[encoding]
    assert (msg.height, msg.width, msg.encoding) == (5, 6, encoding)
    assert msg.step == 6 * info.bytes_per_pixel
    assert msg.is_bigendian == 0
    assert msg.header == HEADER
    assert isinstance(msg.data, array.array) and msg.data.typecode == 'B'
    assert msg.data.tobytes() == image.tobytes()
    back, back_encoding = conv.image_msg_to_array(cdr_round_trip(msg))
    assert back_encoding == encoding
    assert back.dtype == image.dtype and back.shape == image.shape
    np.testing.assert_array_equal(back, image)


def test_receive_is_a_zero_copy_view():
    image = sample('bgr8')
    msg = conv.array_to_image_msg(image, 'bgr8', HEADER)
    view, _ = conv.image_msg_to_array(msg)
    assert np.shares_memory(view, np.frombuffer(msg.data, np.uint8))
    assert not np.shares_memory(view, image)  # publishing copied once


@pytest.mark.parametrize('encoding', ['rgb8', 'mono8', 'mono16', '32FC1', 'yuv422'])
def test_padded_step_is_honoured_without_copy(encoding):
    image = sample(encoding, height=4, width=6, seed=3)
    row = image.reshape(4, -1).view(np.uint8)
    padding = 7
    padded = np.concatenate([row, np.full((4, padding), 0xAB, np.uint8)], axis=1)
    msg = Image(header=HEADER, height=4, width=6, encoding=encoding,
                step=row.shape[1] + padding, data=padded.tobytes())
    view, _ = conv.image_msg_to_array(cdr_round_trip(msg))
    np.testing.assert_array_equal(view, image)
    view, _ = conv.image_msg_to_array(msg)
    assert np.shares_memory(view, np.frombuffer(msg.data, np.uint8))


def test_big_endian_mono16_is_read_in_native_order():
    image = np.array([[1, 258], [4097, 65535]], dtype=np.uint16)
    msg = Image(height=2, width=2, encoding='mono16', is_bigendian=1, step=4,
                data=image.astype('>u2').tobytes())
    back, _ = conv.image_msg_to_array(msg)
    np.testing.assert_array_equal(back, image)
    assert back.dtype == np.uint16


def test_non_contiguous_input_is_published_correctly():
    image = sample('rgb8', height=6, width=8)
    view = image[1:5, ::2]
    msg = conv.array_to_image_msg(view, 'rgb8', HEADER)
    assert (msg.height, msg.width, msg.step) == (4, 4, 12)
    back, _ = conv.image_msg_to_array(msg)
    np.testing.assert_array_equal(back, view)


def test_publish_passes_one_byte_array_to_the_constructor(monkeypatch):
    import sensor_msgs.msg
    captured = {}

    def spy_image(**kwargs):
        captured.update(kwargs)
        return Image(**kwargs)

    monkeypatch.setattr(sensor_msgs.msg, 'Image', spy_image)
    image = sample('mono16')
    msg = conv.array_to_image_msg(image, 'mono16', HEADER)
    data = captured['data']
    assert type(data) is array.array and data.typecode == 'B'
    assert len(data) == image.nbytes and data.tobytes() == image.tobytes()
    assert not np.shares_memory(np.frombuffer(data, np.uint8), image)
    assert isinstance(msg, Image) and msg.data == data


@pytest.mark.parametrize('kwargs, match', [
    ({'encoding': 'rgb7'}, 'unsupported image encoding'),
    ({'step': 8}, 'step 8 is smaller'),
    ({'data': b'\x00' * 17}, 'truncated'),
    ({'height': 0}, 'zero-size'),
])
def test_bad_image_messages_raise(kwargs, match):
    fields = {'height': 2, 'width': 3, 'encoding': 'rgb8', 'step': 9, 'data': b'\x00' * 18}
    fields.update(kwargs)
    with pytest.raises(ImageEncodingError, match=match):
        conv.image_msg_to_array(Image(**fields))


@pytest.mark.parametrize('image, encoding', [
    (np.zeros((2, 3), np.uint8), 'rgb8'), (np.zeros((2, 3), np.float64), '32FC1'),
    (np.zeros((2, 3, 3), np.uint16), 'bgr8'), ([[0, 1]], 'mono8')])
def test_array_not_matching_its_encoding_raises(image, encoding):
    with pytest.raises(ImageEncodingError):
        conv.array_to_image_msg(image, encoding, HEADER)


def test_compressed_png_and_jpeg_decode_to_bgr():
    image = sample('bgr8', height=16, width=24)
    ok, png = cv2.imencode('.png', image)
    assert ok
    msg = CompressedImage(header=HEADER, format='png', data=png.tobytes())
    decoded, encoding = conv.compressed_msg_to_array(cdr_round_trip(msg))
    assert encoding == 'bgr8'
    np.testing.assert_array_equal(decoded, image)
    smooth = np.zeros((16, 24, 3), np.uint8)
    smooth[:, :, 2] = 200
    ok, jpeg = cv2.imencode('.jpg', smooth, [cv2.IMWRITE_JPEG_QUALITY, 95])
    decoded, _ = conv.compressed_msg_to_array(
        CompressedImage(format='rgb8; jpeg compressed bgr8', data=jpeg.tobytes()))
    assert decoded.shape == (16, 24, 3)
    assert abs(int(decoded[8, 12, 2]) - 200) <= 3 and int(decoded[8, 12, 0]) <= 3


@pytest.mark.parametrize('data, fmt, match', [
    (b'', 'jpeg', 'empty'), (b'\xff\xd8garbage-not-a-jpeg', 'jpeg', 'cannot decode'),
    (b'\x00' * 32, '16UC1; compressedDepth', 'compressedDepth')])
def test_bad_compressed_images_raise(data, fmt, match):
    with pytest.raises(ImageEncodingError, match=match):
        conv.compressed_msg_to_array(CompressedImage(format=fmt, data=data))


def test_camera_info_to_matrix():
    from sensor_msgs.msg import CameraInfo
    k = conv.camera_info_to_matrix(CameraInfo(k=[500.0, 0.0, 320.0, 0.0, 510.0, 240.0,
                                                 0.0, 0.0, 1.0]))
    assert k.shape == (3, 3) and k[0, 0] == 500.0 and k[1, 2] == 240.0
    with pytest.raises(ValueError, match='not calibrated'):
        conv.camera_info_to_matrix(CameraInfo())


# ---------------------------------------------------------------------------------- results
def detection_result(track_ids=None, labels=('person', 'dog')):
    from jetson_dnn_ros.tasks.detection import DetectionResult
    return DetectionResult(
        boxes=np.array([[10.0, 20.0, 50.0, 100.0], [0.5, 1.5, 2.5, 3.5]], np.float32),
        scores=np.array([0.9, 0.25], np.float32), class_ids=np.array([0, 16], np.int64),
        labels=labels, image_size=(120, 160),
        track_ids=None if track_ids is None else np.array(track_ids, np.int64))


def test_detections_to_msg():
    msg = conv.detections_to_msg(detection_result(track_ids=[7, -1]), HEADER)
    assert msg.header == HEADER and len(msg.detections) == 2
    first, second = msg.detections
    assert first.header == HEADER and second.header == HEADER
    center = first.bbox.center
    assert (center.position.x, center.position.y, center.theta) == (30.0, 60.0, 0.0)
    assert (first.bbox.size_x, first.bbox.size_y) == (40.0, 80.0)
    assert (second.bbox.center.position.x, second.bbox.size_y) == (1.5, 2.0)
    assert len(first.results) == 1
    hypothesis = first.results[0].hypothesis
    assert hypothesis.class_id == 'person'
    assert hypothesis.score == pytest.approx(0.9, abs=1e-6)
    assert type(hypothesis.score) is float
    assert second.results[0].hypothesis.class_id == 'dog'
    assert (first.id, second.id) == ('7', '')
    cdr_round_trip(msg)


def test_detections_without_labels_or_tracks_and_empty():
    result = SimpleNamespace(boxes=np.zeros((1, 4), np.float32), scores=np.ones(1, np.float32),
                             class_ids=np.array([3]), labels=())
    det, = conv.detections_to_msg(result, HEADER).detections
    assert det.results[0].hypothesis.class_id == '3' and det.id == ''
    empty = SimpleNamespace(boxes=np.zeros((0, 4), np.float32), scores=np.zeros(0, np.float32),
                            class_ids=np.zeros(0, np.int64), labels=(), track_ids=None)
    msg = conv.detections_to_msg(empty, HEADER)
    assert msg.detections == [] and msg.header == HEADER
    cdr_round_trip(msg)


def test_classification_to_msg():
    from jetson_dnn_ros.tasks.classification import ClassificationResult
    result = ClassificationResult(class_ids=np.array([281, 5], np.int64),
                                  scores=np.array([0.75, 0.125], np.float32),
                                  labels=('tabby', ''), multi_label=False,
                                  image_size=(224, 224))
    msg = conv.classification_to_msg(result, HEADER)
    assert msg.header == HEADER
    assert [(r.class_id, r.score) for r in msg.results] == [('tabby', 0.75), ('5', 0.125)]
    cdr_round_trip(msg)


def test_label_info_msg():
    msg = conv.label_info_msg(['background', 'person', 'car'], HEADER, 0.5)
    assert msg.threshold == 0.5 and msg.header == HEADER
    assert [(c.class_id, c.class_name) for c in msg.class_map] == [
        (0, 'background'), (1, 'person'), (2, 'car')]
    cdr_round_trip(msg)
    mapped = conv.label_info_msg({65535: 'unlabeled', 3: 'cat'}, HEADER)
    assert [(c.class_id, c.class_name) for c in mapped.class_map] == [
        (3, 'cat'), (65535, 'unlabeled')]
    assert conv.label_info_msg(None, HEADER).class_map == []
    with pytest.raises(ValueError, match='0..65535'):
        conv.label_info_msg({70000: 'x'}, HEADER)


def pose_result():
    from jetson_dnn_ros.tasks.pose import Person, PoseResult
    people = (
        Person(box=np.array([10.0, 20.0, 30.0, 60.0], np.float32), score=0.875,
               keypoints=np.array([[12.5, 22.0, 0.9], [28.0, 40.5, 0.0], [20.0, 58.0, 0.5]],
                                  np.float32)),
        Person(box=np.array([0.0, 0.0, 4.0, 4.0], np.float32), score=0.5,
               keypoints=np.zeros((3, 3), np.float32)),
    )
    return PoseResult(persons=people, keypoint_names=('nose', 'left_wrist', 'right_ankle'),
                      skeleton=((0, 1), (1, 2)), image_size=(64, 64))


def test_pose_to_msg_follows_the_design_convention():
    msg = conv.pose_to_msg(pose_result(), HEADER)
    assert msg.header == HEADER and len(msg.detections) == 2
    det = msg.detections[0]
    assert det.header == HEADER
    assert (det.bbox.center.position.x, det.bbox.center.position.y) == (20.0, 40.0)
    assert (det.bbox.size_x, det.bbox.size_y) == (20.0, 40.0)
    assert len(det.results) == 1 + 3
    person = det.results[0].hypothesis
    assert (person.class_id, person.score) == ('person', 0.875)
    names = [r.hypothesis.class_id for r in det.results[1:]]
    assert names == ['nose', 'left_wrist', 'right_ankle']
    xy = [(r.pose.pose.position.x, r.pose.pose.position.y) for r in det.results[1:]]
    assert xy == [(12.5, 22.0), (28.0, 40.5), (20.0, 58.0)]
    scores = [r.hypothesis.score for r in det.results[1:]]
    assert scores == pytest.approx([0.9, 0.0, 0.5], abs=1e-6)
    assert len(msg.detections[1].results) == 4  # every person has all K keypoints
    cdr_round_trip(msg)


def test_pose_to_msg_checks_keypoint_count_and_empty():
    bad = SimpleNamespace(keypoint_names=('nose',), persons=[SimpleNamespace(
        box=np.zeros(4), score=1.0, keypoints=np.zeros((2, 3)))])
    with pytest.raises(ValueError, match='2 keypoints, 1 keypoint names'):
        conv.pose_to_msg(bad, HEADER)
    empty = conv.pose_to_msg(SimpleNamespace(keypoint_names=('nose',), persons=()), HEADER)
    assert empty.detections == []


# ---------------------------------------------------------------------------------- points
def _cloud_array(msg):
    names = [f.name for f in msg.fields]
    dtype = np.dtype({'names': names, 'formats': ['<u4' if n == 'rgb' else '<f4' for n in names],
                      'offsets': [f.offset for f in msg.fields], 'itemsize': msg.point_step})
    return np.frombuffer(msg.data, dtype=dtype)


def test_pointcloud_layout_with_colors():
    from sensor_msgs.msg import PointField
    points = np.array([[0.0, 1.0, 2.0], [-1.5, 0.25, 10.0], [3.0, 4.0, 5.0]], np.float32)
    colors = np.array([[255, 0, 128], [1, 2, 3], [0, 0, 0]], np.uint8)
    msg = conv.pointcloud_to_msg(points, HEADER, colors)
    assert [(f.name, f.offset, f.datatype, f.count) for f in msg.fields] == [
        ('x', 0, PointField.FLOAT32, 1), ('y', 4, PointField.FLOAT32, 1),
        ('z', 8, PointField.FLOAT32, 1), ('rgb', 12, PointField.FLOAT32, 1)]
    assert (msg.height, msg.width, msg.point_step, msg.row_step) == (1, 3, 16, 48)
    assert msg.is_bigendian is False and msg.is_dense is True
    assert msg.header == HEADER and len(msg.data) == 48
    cloud = _cloud_array(cdr_round_trip(msg))
    np.testing.assert_array_equal(np.stack([cloud['x'], cloud['y'], cloud['z']], 1), points)
    assert cloud['rgb'][0] == 0x00FF0080 and cloud['rgb'][1] == 0x00010203
    as_float = np.frombuffer(msg.data, '<f4').reshape(3, 4)[:, 3]  # how PCL reads rgb
    assert as_float.view('<u4')[0] == 0x00FF0080


def test_pointcloud_without_colors_organised_and_not_dense():
    points = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    points[1, 2, 2] = np.nan
    msg = conv.pointcloud_to_msg(points, HEADER)
    assert [f.name for f in msg.fields] == ['x', 'y', 'z']
    assert (msg.height, msg.width, msg.point_step, msg.row_step) == (2, 3, 12, 36)
    assert msg.is_dense is False
    cloud = _cloud_array(msg)
    assert cloud['y'][4] == points[1, 1, 1]
    with pytest.raises(ValueError, match='points must be'):
        conv.pointcloud_to_msg(np.zeros((4, 2), np.float32), HEADER)
    with pytest.raises(ValueError, match='colors must be uint8'):
        conv.pointcloud_to_msg(np.zeros((4, 3), np.float32), HEADER, np.zeros((4, 3)))


# ---------------------------------------------------------------------------------- diagnostics
def test_diagnostics_msg():
    from diagnostic_msgs.msg import DiagnosticStatus
    msg = conv.diagnostics_msg('/cam/detector: detection', 'WARN', 'last error: x',
                               {'fps_out': 29.97002997, 'dropped': 3, 'engine': True},
                               HEADER.stamp, hardware_id='Orin')
    status, = msg.status
    assert msg.header.stamp == HEADER.stamp
    assert status.level == DiagnosticStatus.WARN
    assert (status.name, status.message, status.hardware_id) == (
        '/cam/detector: detection', 'last error: x', 'Orin')
    assert [(v.key, v.value) for v in status.values] == [
        ('fps_out', '29.97'), ('dropped', '3'), ('engine', 'true')]
    cdr_round_trip(msg)
    assert conv.diagnostics_msg('n', 0, '', {}).status[0].level == DiagnosticStatus.OK
    assert conv.diagnostics_msg('n', 'stale', '', []).status[0].level == DiagnosticStatus.STALE
    assert conv.diagnostics_msg('n', b'\x02', '', {}).status[0].level == DiagnosticStatus.ERROR
    with pytest.raises(ValueError, match='diagnostic level'):
        conv.diagnostics_msg('n', 'FINE', '', {})
