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
Several cameras served by one node and one engine (issue 11 item 1).

A detection node on YOLOX-Nano (``$JETSON_DNN_DATA``) serves the cameras ``front``, ``left``
and ``right`` through the rclpy stand-in graph; a probe node publishes the shared photos and
bag frames on ``<cam>/image`` and records ``<cam>/detections``. The batchable model is the
same ONNX file made batch-dynamic here (:func:`onnxgen.make_batch_dynamic`); every expected
result is what :meth:`Pipeline.process` of the unchanged model gives on that one frame.
"""

import numpy as np
from onnxgen import make_batch_dynamic
import pytest

# stand-in rclpy (test/conftest.py installs it); marker standins: see test_standins_isolation.py
from builtin_interfaces.msg import Time  # noqa: I100
from diagnostic_msgs.msg import DiagnosticArray
from jetson_dnn_ros.pipeline import engine_profile, Pipeline
from jetson_dnn_ros.ros import params as P
from jetson_dnn_ros.ros.detection_node import DetectionNode
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
import test_node_datapath as datapath
from vision_msgs.msg import Detection2DArray

try:
    from rclpy import _standin
except ImportError:  # real rclpy
    _standin = None

pytestmark = pytest.mark.standins  # see test_standins_isolation.py

NS = '/multicam'
CAMERAS = ('front', 'left', 'right')
PHOTOS = {'front': 'humans_0', 'left': 'dog_0', 'right': 'city_0'}
BEST_EFFORT = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
context = datapath.context   # the fixture: an rclpy context of the test's own


def image_msg(image: np.ndarray, frame_id: str, sec: int, encoding: str = 'bgr8') -> Image:
    """Build a sensor_msgs/Image of a (H, W[, C]) uint8 array with its own header."""
    h, w = image.shape[:2]
    image = np.ascontiguousarray(image)
    return Image(header=Header(stamp=Time(sec=sec, nanosec=500), frame_id=frame_id),
                 height=h, width=w, encoding=encoding, step=image.strides[0],
                 data=image.tobytes())


def header_of(msg):
    """Return (sec, nanosec, frame_id) of a message's header."""
    return msg.header.stamp.sec, msg.header.stamp.nanosec, msg.header.frame_id


def boxes(msg) -> np.ndarray:
    """Return (N, 4) centre x, centre y, width, height of a Detection2DArray."""
    return np.array([[d.bbox.center.position.x, d.bbox.center.position.y, d.bbox.size_x,
                      d.bbox.size_y] for d in msg.detections]).reshape(-1, 4)


def labels(msg):
    """Return the class ids of a Detection2DArray, in order."""
    return [d.results[0].hypothesis.class_id for d in msg.detections]


def assert_same_detections(msg, result) -> None:
    """Check a Detection2DArray against a DetectionResult of Pipeline.process."""
    expected = np.array([[(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]
                         for x0, y0, x1, y1 in np.asarray(result.boxes, float)]).reshape(-1, 4)
    assert len(msg.detections) == len(result.boxes) > 0
    assert labels(msg) == list(result.labels)
    np.testing.assert_allclose(boxes(msg), expected, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose([d.results[0].hypothesis.score for d in msg.detections],
                               result.scores, rtol=1e-4, atol=1e-5)


def single(r, reference, image, encoding='bgr8'):
    """Return the unchanged model's result on one frame, with the node's decoding settings."""
    reference.params = r.node.pipeline.params   # the node's class_agnostic, thresholds, ...
    return reference.process(image, encoding).result


@pytest.fixture(scope='module')
def batch_model(data_dir, tmp_path_factory):
    """Return YOLOX-Nano made batch-dynamic (first dimension ``N``)."""
    folder = tmp_path_factory.mktemp('batch')
    return str(make_batch_dynamic(data_dir / 'models' / 'detection' / 'yolox_nano.onnx',
                                  folder / 'yolox_nano_batch.onnx'))


@pytest.fixture(scope='module')
def reference(data_dir):
    """Return the single-frame pipeline of the unchanged YOLOX-Nano (ONNX Runtime)."""
    pipeline = Pipeline.from_model('yolox_nano', backend='onnxruntime')
    yield pipeline
    pipeline.close()


class Rig(datapath.Rig):
    """An active multi-camera detection node, a probe node and one executor."""

    def __init__(self, context, cameras=CAMERAS, **overrides):
        params = [Parameter(k, value=v) for k, v in {
            'model': 'yolox_nano', 'backend': 'onnxruntime', 'cameras': list(cameras),
            **overrides}.items()]
        self.node = DetectionNode(namespace=NS, parameter_overrides=params, context=context)
        self.probe = rclpy.create_node('probe_multicam', context=context)
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)
        self.executor.add_node(self.probe)
        self.out = {cam: [] for cam in cameras}
        self.pubs = {}
        for cam in cameras:
            self.probe.create_subscription(Detection2DArray, f'{NS}/{cam}/detections',
                                           self.out[cam].append, 10)
            self.pubs[cam] = self.probe.create_publisher(Image, f'{NS}/{cam}/image',
                                                         BEST_EFFORT)


@pytest.fixture
def rig(context, data_dir):
    """Return a factory of activated multi-camera rigs (closed after the test)."""
    made = []

    def make(activate=True, **kwargs):
        made.append(Rig(context, **kwargs))
        return made[-1].activate() if activate else made[-1]
    yield make
    for r in made:
        r.close()


def send_one_per_camera(r, photo, sec: int = 30):
    """Publish one photo per camera (its own frame_id and stamp), then spin; return them."""
    sent = {}
    for index, cam in enumerate(r.pubs):
        sent[cam] = image_msg(photo(PHOTOS[cam]), f'{cam}_optical', sec + index)
        r.pubs[cam].publish(sent[cam])
    r.spin()
    return sent


# ------------------------------------------------------------------ headers and batching
def test_one_inference_serves_every_camera_and_equals_single_frame_inference(
        rig, photo, batch_model, reference):
    r = rig(model_file_path=batch_model, batch_window_ms=1000.0)
    assert r.node.pipeline.batch_capacity() == 0   # dynamic batch on ONNX Runtime
    sent = send_one_per_camera(r, photo)
    assert r.node.batch_histogram() == {3: 1}      # three frames, one inference
    for cam in CAMERAS:
        assert len(r.out[cam]) == 1, cam
        assert header_of(r.out[cam][0]) == header_of(sent[cam])
        assert_same_detections(r.out[cam][0], single(r, reference, photo(PHOTOS[cam])))
    # the photos differ, so a result published on the wrong camera could not pass
    assert 'person' in labels(r.out['front'][0]) and 'dog' in labels(r.out['left'][0])
    for cam in CAMERAS:
        stats = r.node.camera_stats(cam)
        assert (stats.received_total, stats.published_total, stats.dropped_total) == (1, 1, 0)


def test_a_model_without_batch_dimension_runs_the_frames_one_after_another(
        rig, photo, reference):
    r = rig()   # the unchanged YOLOX-Nano: input [1, 3, 416, 416]
    assert r.node.pipeline.batch_capacity() == 1
    sent = send_one_per_camera(r, photo, sec=40)
    assert r.node.batch_histogram() == {1: 3}
    for cam in CAMERAS:
        assert [header_of(m) for m in r.out[cam]] == [header_of(sent[cam])]
        assert_same_detections(r.out[cam][0], single(r, reference, photo(PHOTOS[cam])))


def test_a_batch_dimension_that_does_not_batch_runs_frames_one_by_one(
        rig, photo, data_dir, tmp_path, reference):
    """Input and outputs say N but a Reshape keeps 1: configure finds out, frames still run."""
    import onnx
    model = onnx.load(str(data_dir / 'models' / 'detection' / 'yolox_nano.onnx'))
    for value in list(model.graph.input) + list(model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = 'N'   # the Reshape [1, 85, -1] stays
    path = tmp_path / 'yolox_fake_batch.onnx'
    onnx.save(model, str(path))
    r = rig(model_file_path=str(path), batch_window_ms=1000.0)
    assert r.node.pipeline.batch_capacity() == 0      # the input claims a dynamic batch
    assert r.node.pipeline.check_batching() is not None
    assert r.node._capacity == 1                      # the node runs frames one by one
    sent = send_one_per_camera(r, photo, sec=50)
    assert r.node.batch_histogram() == {1: 3}
    for cam in CAMERAS:
        assert [header_of(m) for m in r.out[cam]] == [header_of(sent[cam])]
        assert_same_detections(r.out[cam][0], single(r, reference, photo(PHOTOS[cam])))
        assert r.node.camera_stats(cam).errors_total == 0


def test_a_silent_camera_holds_the_batch_only_for_the_window(rig, photo, batch_model):
    """Front and left send, right is silent: the batch of two runs when the window ends."""
    import time
    r = rig(model_file_path=batch_model, batch_window_ms=200.0)
    for cam in ('front', 'left'):
        r.pubs[cam].publish(image_msg(photo(PHOTOS[cam]), cam, 70))
    r.spin()
    assert r.node.batch_histogram() == {}   # waiting for right, within the window
    time.sleep(0.3)   # the window (200 ms) is over: its timer is due
    r.spin()
    assert r.node.batch_histogram() == {2: 1}
    assert [len(r.out[cam]) for cam in CAMERAS] == [1, 1, 0]


def test_bag_frames_on_two_cameras_keep_their_headers(rig, data_dir, batch_model, reference):
    from jetson_dnn_ros.bag import read_images
    frames = []
    for _, header, image, encoding in read_images(data_dir / 'bags' / 'photos_mcap',
                                                  '/camera/image_raw'):
        frames.append((header, np.array(image), encoding))
        if len(frames) == 4:
            break
    assert len(frames) == 4
    r = rig(cameras=('front', 'left'), model_file_path=batch_model, batch_window_ms=1000.0)
    sent = {'front': [], 'left': []}
    for index, (header, image, encoding) in enumerate(frames):
        cam = ('front', 'left')[index % 2]
        msg = image_msg(image, f'{cam}_{header.frame_id}', header.sec + index, encoding)
        sent[cam].append(msg)
        r.pubs[cam].publish(msg)
        r.spin()
    assert r.node.batch_histogram() == {2: 2}
    for cam in ('front', 'left'):
        assert [header_of(m) for m in r.out[cam]] == [header_of(m) for m in sent[cam]]
    for index, (header, image, encoding) in enumerate(frames):
        cam, k = ('front', 'left')[index % 2], index // 2
        expected = single(r, reference, image, encoding)
        if len(expected.boxes):
            assert_same_detections(r.out[cam][k], expected)
        else:
            assert r.out[cam][k].detections == []


def test_a_bad_frame_fails_only_on_its_own_camera(rig, photo, batch_model, reference):
    r = rig(model_file_path=batch_model, batch_window_ms=1000.0)
    good = {cam: image_msg(photo(PHOTOS[cam]), cam, 50) for cam in ('front', 'right')}
    bad = image_msg(photo('dog_0'), 'left', 50)
    bad.step = 7   # shorter than a row: ImageEncodingError
    r.pubs['front'].publish(good['front'])
    r.pubs['left'].publish(bad)
    r.pubs['right'].publish(good['right'])
    r.spin()
    assert r.out['left'] == []
    assert r.node.camera_stats('left').bad_input_total == 1
    for cam in ('front', 'right'):
        assert [header_of(m) for m in r.out[cam]] == [header_of(good[cam])]
        assert r.node.camera_stats(cam).bad_input_total == 0
        assert_same_detections(r.out[cam][0], single(r, reference, photo(PHOTOS[cam])))
    assert r.node.stats.bad_input_total == 1 and r.node.stats.errors_total == 0


# ------------------------------------------------------------------ latest frame, fairness
def test_latest_frame_per_camera_drops_are_counted_on_the_camera(rig, photo, batch_model):
    r = rig(model_file_path=batch_model, batch_window_ms=1000.0)
    image = photo('humans_0')
    for k in range(10):   # front floods while the batch waits for left and right
        r.node.on_image(image_msg(image, 'front', 100 + k), camera='front')
    assert all(out == [] for out in r.out.values())
    r.node.on_image(image_msg(photo('dog_0'), 'left', 200), camera='left')
    r.node.on_image(image_msg(photo('city_0'), 'right', 300), camera='right')
    r.spin()
    assert [header_of(m)[0] for m in r.out['front']] == [109]   # the latest one
    assert len(r.out['left']) == len(r.out['right']) == 1
    front, left = r.node.camera_stats('front'), r.node.camera_stats('left')
    assert (front.received_total, front.published_total, front.dropped_total) == (10, 1, 9)
    assert (left.received_total, left.published_total, left.dropped_total) == (1, 1, 0)
    assert r.node.stats.dropped_total == 9 and r.node.batch_histogram() == {3: 1}


def test_a_flooding_camera_does_not_starve_the_others(rig, photo, monkeypatch):
    """
    One frame per inference, and front gets a new frame during every inference.

    Taking the first camera with a frame every time would serve front 20 times in a row;
    round-robin serves left and right within the first three inferences.
    """
    r = rig(batch_window_ms=0.0)   # one frame per inference (static batch)
    node = r.node
    image = photo('humans_0')
    served = []
    original = node.pipeline.process
    floods = iter(range(1000, 1020))

    def process(frame, encoding):
        sec = next(floods, None)
        if sec is not None:   # front's camera sends a new frame while the engine is busy
            node.on_image(image_msg(image, 'front', sec), camera='front')
        return original(frame, encoding)
    monkeypatch.setattr(node.pipeline, 'process', process)
    with node._busy:   # the engine is busy while one frame per camera arrives
        for cam in CAMERAS:
            node.on_image(image_msg(photo(PHOTOS[cam]), cam, 1), camera=cam)
    assert node.stats.published_total == 0
    publish = node.publish_result

    def record(result, header, image_bgr):   # the order results are published in
        served.append(header.frame_id)
        publish(result, header, image_bgr)
    monkeypatch.setattr(node, 'publish_result', record)
    node.on_image(image_msg(image, 'front', 2), camera='front')   # starts the engine
    r.spin()
    assert sorted(served[:3]) == sorted(CAMERAS), served
    assert served.count('left') == served.count('right') == 1
    front = node.camera_stats('front')
    assert front.published_total == served.count('front')
    assert front.received_total == front.published_total + front.dropped_total == 22
    for cam in ('left', 'right'):
        assert node.camera_stats(cam).dropped_total == 0
    assert node.batch_histogram() == {1: len(served)}


# ------------------------------------------------------------------ lifecycle, diagnostics
def test_a_frame_waiting_at_deactivate_is_dropped_not_published_later(
        rig, photo, batch_model):
    r = rig(model_file_path=batch_model, batch_window_ms=1000.0)
    r.node.on_image(image_msg(photo('humans_0'), 'front', 5), camera='front')  # waits
    assert r.node.trigger_deactivate() == TransitionCallbackReturn.SUCCESS
    # dropped at deactivate, not kept to be run (and dropped) after the next activate
    assert r.node._camera('front').pending is None
    assert r.node.camera_stats('front').dropped_total == 1
    assert r.node.trigger_activate() == TransitionCallbackReturn.SUCCESS
    sent = send_one_per_camera(r, photo, sec=60)
    assert [header_of(m) for m in r.out['front']] == [header_of(sent['front'])]
    front = r.node.camera_stats('front')
    assert (front.received_total, front.published_total, front.dropped_total) == (2, 1, 1)


def test_outputs_and_inputs_are_under_each_camera(rig, context):
    r = rig(cameras=('front', 'rig/left'), activate=False)
    r.activate()
    topics = {name for name, _ in r.node.get_topic_names_and_types()}
    for cam in ('front', 'rig/left'):
        for topic in ('image', 'detections', 'overlay'):
            assert f'{NS}/{cam}/{topic}' in topics, (cam, topic)
    assert f'{NS}/label_info' in topics and f'{NS}/image' not in topics
    assert r.node.cameras == ('front', 'rig/left')


def test_diagnostics_per_camera_and_for_the_shared_engine(rig, photo, batch_model):
    r = rig(model_file_path=batch_model, batch_window_ms=1000.0)
    received = []
    r.probe.create_subscription(DiagnosticArray, '/diagnostics', received.append, 10)
    send_one_per_camera(r, photo)
    r.node.on_image(image_msg(photo('dog_0'), 'left', 90), camera='left')
    r.node.on_image(image_msg(photo('dog_0'), 'left', 91), camera='left')  # replaces 90
    r.node.publish_diagnostics()
    r.spin()
    status = {s.name: {kv.key: kv.value for kv in s.values} for s in received[-1].status}
    engine = status[f'{NS}/detection_node: detection']
    assert engine['cameras'] == 'front,left,right' and engine['batch_sizes'] == '3:1'
    assert engine['inferences'] == '1' and engine['frames_received'] == '5'
    for cam in CAMERAS:
        values = status[f'{NS}/detection_node: detection {cam}']
        assert values['camera'] == cam and values['image_topic'] == f'{NS}/{cam}/image'
        assert values['frames_published'] == '1'
        assert float(values['infer_ms']) > 0.0 and 'fps_in' in values
    assert status[f'{NS}/detection_node: detection left']['frames_dropped'] == '1'
    assert status[f'{NS}/detection_node: detection left']['frames_received'] == '3'


def test_camera_info_is_kept_per_camera(context, data_dir):
    from jetson_dnn_ros.ros.depth_node import DepthNode
    node = DepthNode(namespace='/mc_depth', context=context, parameter_overrides=[
        Parameter('backend', value='onnxruntime'),
        Parameter('cameras', value=['front', 'left'])])
    try:
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        probe = rclpy.create_node('probe_info', context=context)
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(node)
        executor.add_node(probe)
        for width, cam in ((640, 'front'), (320, 'left')):
            pub = probe.create_publisher(CameraInfo, f'/mc_depth/{cam}/camera_info',
                                         BEST_EFFORT)
            pub.publish(CameraInfo(width=width, height=width * 3 // 4))
        if _standin is not None:
            _standin.spin_until_idle(executor)
        for width, cam in ((640, 'front'), (320, 'left')):
            node._use_camera(node._camera(cam))
            assert node.camera_info.width == width
        topics = {name for name, _ in node.get_topic_names_and_types()}
        assert {'/mc_depth/front/depth', '/mc_depth/left/points'} <= topics
        executor.shutdown()
        probe.destroy_node()
    finally:
        node.destroy_node()


# ------------------------------------------------------------------ parameters
@pytest.mark.parametrize('cameras, reason', [
    (['front', 'front'], 'listed twice'),
    (['/front'], 'not a relative namespace'),
    (['front cam'], 'not a relative namespace'),
    (['2nd'], 'not a relative namespace')])
def test_invalid_camera_lists_are_refused(context, cameras, reason):
    node = DetectionNode(namespace='/mc_bad', context=context)
    try:
        result = node.set_parameters([Parameter('cameras', value=cameras)])[0]
        assert not result.successful and reason in result.reason
        assert node.values['cameras'] == []
    finally:
        node.destroy_node()


def test_parse_cameras():
    assert P.parse_cameras('front, left,right') == ('front', 'left', 'right')
    assert P.parse_cameras([]) == () and P.parse_cameras('') == ()
    assert P.parse_cameras(['rig/left']) == ('rig/left',)
    with pytest.raises(ValueError, match='listed twice'):
        P.parse_cameras('a,a')
    assert P.param_table('detection')['cameras'].validate([1]) is not None


# ------------------------------------------------------------------ core: batches
def test_process_batch_equals_process_per_image(data_dir, photo, batch_model, reference):
    with Pipeline.from_model('yolox_nano', backend='onnxruntime',
                             model_file=batch_model) as pipeline:
        images = [photo(name) for name in ('humans_0', 'dog_0', 'city_0', 'peds_0')]
        reference.params = pipeline.params   # the descriptor's defaults on both
        batch = pipeline.process_batch([(image, 'bgr8') for image in images])
        for image, inference in zip(images, batch):
            expected = reference.process(image).result
            np.testing.assert_allclose(inference.result.boxes, expected.boxes, atol=1e-3)
            np.testing.assert_array_equal(inference.result.class_ids, expected.class_ids)
            np.testing.assert_allclose(inference.result.scores, expected.scores, atol=1e-5)
    with pytest.raises(Exception, match='at most 1 image'):
        reference.process_batch([(images[0], 'bgr8')] * 2)


def test_batch_profile_for_tensorrt(data_dir, batch_model):
    from jetson_dnn_ros.models import resolve_model
    descriptor = resolve_model('yolox_nano')
    assert engine_profile(descriptor, batch_model, 4) == {
        'images': ((1, 3, 416, 416), (4, 3, 416, 416), (4, 3, 416, 416))}
    assert engine_profile(descriptor, batch_model, 1) is None
    static = data_dir / 'models' / 'detection' / 'yolox_nano.onnx'
    assert engine_profile(descriptor, static, 4) is None   # batch fixed at 1


def test_every_camera_keeps_its_own_tracker_state(context, data_dir):
    """What create_outputs assigns is kept per camera, values equal to the old ones included."""
    params = [Parameter(k, value=v) for k, v in {
        'model': 'yolox_nano', 'backend': 'onnxruntime', 'cameras': ['front', 'left']}.items()]
    node = DetectionNode(namespace='/trk', parameter_overrides=params, context=context)
    try:
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        front, left = node._cameras
        assert set(front.outputs) == set(left.outputs)
        assert {'_tracking', '_tracker', '_detections_pub'} <= set(left.outputs)
        assert front.outputs['_tracker'] is not left.outputs['_tracker']
        # switching tracking on for one camera's frame does not switch it for the other
        node._values['tracking'] = True
        node._use_camera(front)
        node.postprocess(node.pipeline.run(np.zeros((48, 64, 3), np.uint8)))
        node._keep_camera_state(front)
        assert front.outputs['_tracking'] is True and left.outputs['_tracking'] is False
    finally:
        if node._state_machine.current_state[1] == 'inactive':
            node.trigger_cleanup()
        node.destroy_node()
