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
The five lifecycle nodes on real models and photos, through the rclpy stand-in graph.

Every node is created in its launch-file namespace (``/<task>``), configured with the real
model of its task from ``$JETSON_DNN_DATA``, activated, fed sensor_msgs/Image messages by a
probe node and checked against what the same pipeline computes on the same image (so the
expected values come from the core, not from a recorded run) and against what is
semantically true of the photo. With a sourced ROS 2 the real rclpy is used instead.
"""

import logging

import cv2
import numpy as np
import pytest

# rclpy and the messages are the stand-ins (test/conftest.py installs them); where the real
# rclpy is importable this module is skipped in-process and run in a subprocess with the
# stand-ins forced (marker standins, test_standins_isolation.py)
from builtin_interfaces.msg import Time  # noqa: I100
from diagnostic_msgs.msg import DiagnosticArray
from jetson_dnn_ros.ros import params as P
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image, PointCloud2
from std_msgs.msg import Header
from vision_msgs.msg import Classification, Detection2DArray, LabelInfo

pytestmark = [pytest.mark.slow, pytest.mark.standins]

try:
    from rclpy import _standin
except ImportError:  # real rclpy
    _standin = None

LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
IMAGE_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)


def image_msg(image: np.ndarray, stamp_sec: int = 7, frame_id: str = 'camera_optical_frame',
              encoding: str = 'bgr8') -> Image:
    """Build a sensor_msgs/Image from a (H, W, 3) uint8 array, rows tightly packed."""
    h, w = image.shape[:2]
    return Image(header=Header(stamp=Time(sec=stamp_sec, nanosec=250), frame_id=frame_id),
                 height=h, width=w, encoding=encoding, step=image.strides[0],
                 data=np.ascontiguousarray(image).tobytes())


def same_header(a, b) -> bool:
    """Return True if two std_msgs/Header have the same stamp and frame_id."""
    return (a.stamp.sec, a.stamp.nanosec, a.frame_id) == (b.stamp.sec, b.stamp.nanosec,
                                                          b.frame_id)


def state_of(node) -> str:
    """Return the label of the node's lifecycle state (unconfigured, active, ...)."""
    return node._state_machine.current_state[1]


def spin_until_idle(executor):
    """Run ``executor``'s callbacks until none is ready (an escaping exception fails the test)."""
    if _standin is not None:
        _standin.spin_until_idle(executor)
    else:  # real ROS: give the middleware a moment per round
        for _ in range(20):
            executor.spin_once(timeout_sec=0.1)


class Harness:
    """A task node, a probe node that publishes images and records outputs, one executor."""

    live = []   # open harnesses: their records are cleared before every test

    def __init__(self, node_class, **overrides):
        task = node_class.task
        self.ns = P.node_namespace(task)
        params = [Parameter(k, value=v) for k, v in overrides.items()]
        self.node = node_class(namespace=self.ns, parameter_overrides=params)
        try:
            self.probe = rclpy.create_node(f'probe_{task}')
        except BaseException:  # noqa: B902 - clean up, then re-raise
            self.node.destroy_node()
            raise
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.node)
        self.executor.add_node(self.probe)
        self.received = {}
        self.subs = {}
        self.image_pub = self.probe.create_publisher(Image, f'{self.ns}/image', IMAGE_QOS)
        self.info_pub = self.probe.create_publisher(CameraInfo, f'{self.ns}/camera_info',
                                                    IMAGE_QOS)
        Harness.live.append(self)

    def listen(self, msg_type, topic: str, qos=10):
        """Subscribe the probe to a node output (relative names are in the node's namespace)."""
        if topic in self.subs:
            return self.received[topic]
        name = topic if topic.startswith('/') else f'{self.ns}/{topic}'
        self.received.setdefault(topic, [])
        self.subs[topic] = self.probe.create_subscription(
            msg_type, name, self.received[topic].append, qos)
        return self.received[topic]

    def unlisten(self, topic: str):
        """Destroy the probe's subscription to topic."""
        self.probe.destroy_subscription(self.subs.pop(topic))

    def spin(self):
        """Run callbacks until nothing is left to do."""
        spin_until_idle(self.executor)

    def send(self, image, **kwargs) -> Image:
        """Publish one image to the node and process it; return the message sent."""
        msg = image if isinstance(image, Image) else image_msg(image, **kwargs)
        self.image_pub.publish(msg)
        self.spin()
        return msg

    def clear(self):
        """Forget the recorded outputs."""
        for values in self.received.values():
            values.clear()

    def close(self):
        """Shut the node down and destroy both nodes."""
        if self in Harness.live:
            Harness.live.remove(self)
        try:
            if state_of(self.node) in ('active',):
                self.node.trigger_deactivate()
            if state_of(self.node) in ('inactive',):
                self.node.trigger_cleanup()
        finally:  # the nodes go even when a transition fails
            self.executor.shutdown()
            self.node.destroy_node()
            self.probe.destroy_node()


@pytest.fixture(autouse=True)
def fresh_records():
    """
    Start every test with empty output records of the module-scoped nodes.

    The harnesses outlive a test and ``listen`` hands back the list an earlier test filled:
    without this, counts such as ``len(out) == 1`` depended on which tests ran before.
    """
    for harness in Harness.live:
        harness.clear()


@pytest.fixture(scope='module')
def ros():
    """
    Initialise rclpy for the module; afterwards check that no node was left alive.

    A node left alive answers on the graph under its name: a later test's or launch test's
    node of the same name then never got its configure answered (issue 13).
    """
    rclpy.init()
    yield
    left = [] if _standin is None else [n.get_fully_qualified_name() for n in live_nodes()]
    if _standin is not None:
        _standin.reset()
    else:
        rclpy.try_shutdown()
    assert not left, f'nodes left alive after the module: {left}'


def live_nodes():
    """Return the nodes alive in the stand-in graph (created and not destroyed)."""
    from rclpy import _graph
    with _graph.GRAPH.cond:
        return list(_graph.GRAPH.nodes)


def active(node_class, **overrides):
    """Return a configured and activated Harness (asserting each transition succeeds)."""
    from rclpy.lifecycle import TransitionCallbackReturn
    harness = Harness(node_class, **overrides)
    try:
        assert harness.node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert harness.node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        assert state_of(harness.node) == 'active'
    except BaseException:  # noqa: B902 - clean up, then re-raise
        harness.close()   # no node left alive when a fixture fails
        raise
    return harness


# ------------------------------------------------------------------ classification
@pytest.fixture(scope='module')
def classifier(ros, data_dir):
    """Return an active classification node on mobilenet_v2_1001 (ONNX Runtime)."""
    from jetson_dnn_ros.ros.classification_node import ClassificationNode
    harness = active(ClassificationNode, model='mobilenet_v2_1001', backend='onnxruntime')
    yield harness
    harness.close()


def test_classification_matches_pipeline_and_header(classifier, photo):
    image = photo('orange_0')
    out = classifier.listen(Classification, 'classification')
    sent = classifier.send(image, stamp_sec=11)
    assert len(out) == 1
    msg = out[0]
    assert same_header(msg.header, sent.header)
    expected = classifier.node.pipeline.run(image, 'bgr8')
    assert len(msg.results) == len(expected) > 0
    for hyp, class_id, label, score in zip(msg.results, expected.class_ids, expected.labels,
                                           expected.scores):
        assert hyp.class_id in (str(int(class_id)), label)
        assert hyp.score == pytest.approx(float(score), abs=1e-6)
    assert 'orange' in expected.labels  # the photo shows oranges


def test_label_info_is_latched_for_late_subscribers(classifier):
    labels = classifier.node.pipeline.labels
    late = classifier.listen(LabelInfo, 'label_info', LATCHED)
    classifier.spin()
    assert len(late) == 1
    names = {c.class_id: c.class_name for c in late[0].class_map}
    assert len(names) == len(labels) == 1001
    assert names[0] == labels[0] and names[1000] == labels[1000]


def test_runtime_parameters_are_validated(classifier, photo):
    node = classifier.node
    result = node.set_parameters([Parameter('top_k', value=2)])[0]
    assert result.successful, result.reason
    out = classifier.listen(Classification, 'classification')
    try:
        classifier.send(photo('orange_0'))
        assert node.pipeline.params.top_k == 2
    finally:
        assert node.set_parameters([Parameter('top_k', value=0)])[0].successful
    # the two best classes of the same image through the model's own settings
    expected = node.pipeline.run(photo('orange_0'), 'bgr8')
    assert [h.class_id for h in out[-1].results] == list(expected.labels[:2])
    bad = node.set_parameters([Parameter('score_threshold', value=1.5)])[0]
    assert not bad.successful and bad.reason
    assert node.get_parameter('score_threshold').value != 1.5
    frozen = node.set_parameters([Parameter('model', value='yolox_nano')])[0]
    assert not frozen.successful and 'configure' in frozen.reason
    wrong = node.set_parameters([Parameter('overlay_alpha', value='opaque')])[0]
    assert not wrong.successful
    # top_k = 0 went back to the model default
    assert node.pipeline.params.top_k == node.pipeline.descriptor.params.top_k


def test_overlay_rendered_only_when_subscribed(classifier, photo, monkeypatch):
    import jetson_dnn_ros.overlay as overlay
    calls = []
    real_draw = overlay.draw
    monkeypatch.setattr(overlay, 'draw', lambda *a, **k: calls.append(1) or real_draw(*a, **k))
    classifier.send(photo('orange_0'))
    assert calls == []
    overlays = classifier.listen(Image, 'overlay')
    image = photo('orange_0')
    sent = classifier.send(image, stamp_sec=12)
    assert len(calls) == 1 and len(overlays) == 1
    assert same_header(overlays[0].header, sent.header)
    assert (overlays[0].height, overlays[0].width) == image.shape[:2]
    assert overlays[0].encoding == 'bgr8'
    classifier.unlisten('overlay')
    # the photo with this frame's result drawn as the node's overlay options say
    drawn = np.frombuffer(bytes(overlays[0].data), np.uint8).reshape(image.shape)
    expected = real_draw(image, classifier.node.pipeline.run(image, 'bgr8'),
                         classifier.node.overlay_options)
    np.testing.assert_array_equal(drawn, expected)
    assert not np.array_equal(drawn, image)


def test_bad_input_is_logged_throttled_skipped_and_counted(classifier, photo, logs,
                                                           monkeypatch):
    image = photo('orange_0')
    out = classifier.listen(Classification, 'classification')
    node = classifier.node
    before = node.stats.bad_input_total
    cases = [({'encoding': 'jpeg'}, 'encoding'), ({'step': 10}, 'step'),
             ({'data': b'\x00' * 100}, 'truncated')]
    # as after ``import launch`` (LaunchLogger: propagate=False): caplog saw nothing there
    monkeypatch.setattr(logging.getLogger(node.get_logger().name), 'propagate', False)
    records = logs(node.get_logger().name, logging.WARNING)
    for mutate, why in cases:
        classifier.clear()
        bad = image_msg(image)
        for key, value in mutate.items():
            setattr(bad, key, value)
        classifier.send(bad)
        assert out == []
        assert why in node.stats.last_error
    assert node.stats.bad_input_total == before + len(cases)
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and 'encoding' in warnings[0]  # throttled: one line per 5 s
    classifier.send(image)  # the node keeps running
    assert len(out) == 1


def test_lifecycle_publishers_silent_while_inactive(classifier, photo):
    from rclpy.lifecycle import TransitionCallbackReturn
    node = classifier.node
    out = classifier.listen(Classification, 'classification')
    assert node.trigger_deactivate() == TransitionCallbackReturn.SUCCESS
    classifier.clear()
    msg = classifier.send(photo('orange_0'))  # no subscription any more
    node.on_image(msg)  # even a frame that slips through publishes nothing
    classifier.spin()
    assert out == []
    assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
    classifier.send(photo('orange_0'))
    assert len(out) == 1


def test_diagnostics_report_rates_latency_and_backend(classifier, photo):
    diags = classifier.listen(DiagnosticArray, '/diagnostics')
    # hold the 1 Hz diagnostics timer: a tick between the frame and the explicit report would
    # start a new window and the report would show no frame (infer_ms 0)
    timer = classifier.node._diag_timer
    timer.cancel()
    try:
        classifier.send(photo('orange_0'))
        classifier.node.publish_diagnostics()
        classifier.spin()
    finally:
        timer.reset()
    assert diags
    status = diags[-1].status[0]
    values = {kv.key: kv.value for kv in status.values}
    assert values['backend'] == 'onnxruntime'
    for key in ('fps_in', 'fps_out', 'convert_ms', 'preprocess_ms', 'infer_ms', 'decode_ms',
                'publish_ms', 'frames_dropped', 'bad_input', 'last_error', 'precision'):
        assert key in values
    assert float(values['infer_ms']) > 0.0
    # the counters are the node's own totals, the status names the node and its model
    stats = classifier.node.stats
    assert values['frames_published'] == str(stats.published_total) != '0'
    assert values['frames_dropped'] == str(stats.dropped_total)
    assert values['bad_input'] == str(stats.bad_input_total)
    assert (values['model'], values['state']) == ('mobilenet_v2_1001', 'active')
    assert status.name == '/classification/classification_node: classification'
    classifier.unlisten('/diagnostics')


def test_failed_configure_is_logged_and_recoverable(ros, data_dir, logs):
    from jetson_dnn_ros.ros.classification_node import ClassificationNode
    from rclpy.lifecycle import TransitionCallbackReturn
    harness = Harness(ClassificationNode, model='no_such_model', backend='onnxruntime')
    try:
        node = harness.node
        records = logs(node.get_logger().name, logging.ERROR)
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert state_of(node) == 'unconfigured'
        errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and 'no_such_model' in errors[0]
        assert 'configure failed' in errors[0]
        wrong_task = node.set_parameters([Parameter('model', value='yolox_nano')])[0]
        assert wrong_task.successful  # unconfigured: configure-time parameters may change
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert 'classification model' in records[-1].getMessage()
        assert node.set_parameters([Parameter('model', value='mobilenet_v2_1001')])[0].successful
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert state_of(node) == 'inactive'
        assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
        assert node.pipeline is None and state_of(node) == 'unconfigured'
    finally:
        harness.close()


# ------------------------------------------------------------------ detection
@pytest.fixture(scope='module')
def detector(ros, data_dir):
    """Return an active detection node on yolox_nano (ONNX Runtime)."""
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    harness = active(DetectionNode, model='yolox_nano', backend='onnxruntime')
    yield harness
    harness.close()


def test_detections_in_source_pixels_with_input_header(detector, photo):
    image = photo('peds_0')
    h, w = image.shape[:2]
    out = detector.listen(Detection2DArray, 'detections')
    sent = detector.send(image, stamp_sec=21)
    assert len(out) == 1
    msg = out[0]
    assert same_header(msg.header, sent.header)
    expected = detector.node.pipeline.run(image, 'bgr8')
    assert len(msg.detections) == len(expected) > 0
    centers = np.array([[d.bbox.center.position.x, d.bbox.center.position.y]
                        for d in msg.detections])
    sizes = np.array([[d.bbox.size_x, d.bbox.size_y] for d in msg.detections])
    boxes = expected.boxes.astype(np.float64)
    np.testing.assert_allclose(centers, (boxes[:, :2] + boxes[:, 2:]) / 2, atol=1e-3)
    np.testing.assert_allclose(sizes, boxes[:, 2:] - boxes[:, :2], atol=1e-3)
    assert (boxes[:, 2] <= w).all() and (boxes[:, 3] <= h).all()
    assert max(w, h) > 416 and boxes[:, 2:].max() > 416  # source pixels, not network pixels
    assert 'person' in expected.labels  # the photo shows people
    for det in msg.detections:
        assert same_header(det.header, sent.header)


def test_detections_published_when_empty(detector):
    out = detector.listen(Detection2DArray, 'detections')
    detector.clear()
    sent = detector.send(np.full((240, 320, 3), 127, np.uint8), stamp_sec=22)
    assert len(out) == 1
    assert len(out[0].detections) == 0
    assert same_header(out[0].header, sent.header)


def test_detection_label_info_names_coco(detector, data_dir):
    late = detector.listen(LabelInfo, 'label_info', LATCHED)
    detector.spin()
    assert len(late) == 1
    assert [c.class_id for c in late[0].class_map] == list(range(80))
    names = [c.class_name for c in late[0].class_map]
    assert names == list(detector.node.pipeline.labels)
    # the COCO-80 order of the shared Darknet list; the node uses the newer coco.yaml names
    darknet = {'motorbike': 'motorcycle', 'aeroplane': 'airplane', 'sofa': 'couch',
               'pottedplant': 'potted plant', 'diningtable': 'dining table', 'tvmonitor': 'tv'}
    coco80 = (data_dir / 'labels' / 'coco80.names').read_text().split('\n')
    assert names == [darknet.get(n.strip(), n.strip()) for n in coco80 if n.strip()]


def test_detection_threshold_applies_at_run_time(detector, photo):
    out = detector.listen(Detection2DArray, 'detections')
    assert detector.node.set_parameters([Parameter('score_threshold', value=0.99)])[0].successful
    try:
        detector.send(photo('peds_0'))
    finally:
        assert detector.node.set_parameters(
            [Parameter('score_threshold', value=-1.0)])[0].successful
    strict = [d.results[0].hypothesis.score for d in out[-1].detections]
    detector.send(photo('peds_0'))
    default = [d.results[0].hypothesis.score for d in out[-1].detections]
    assert len(strict) < len(default)
    assert all(score >= 0.99 for score in strict)
    # -1 = the descriptor's threshold (0.3 for yolox_nano), and the same objects above 0.99
    assert detector.node.pipeline.params.score_threshold == pytest.approx(0.3)
    assert all(score >= 0.3 for score in default)
    assert sorted(strict) == sorted(s for s in default if s >= 0.99)


def test_detection_tracking_ids_are_stable_across_frames(detector, photo):
    out = detector.listen(Detection2DArray, 'detections')
    image = photo('peds_0')
    detector.clear()
    detector.send(image)
    assert all(d.id == '' for d in out[-1].detections), 'no ids while tracking is off'
    assert detector.node.set_parameters([Parameter('tracking', value=True)])[0].successful
    detector.send(image)
    first = {d.id: (d.bbox.center.position.x, d.bbox.center.position.y)
             for d in out[-1].detections}
    detector.send(image)
    second = {d.id: (d.bbox.center.position.x, d.bbox.center.position.y)
              for d in out[-1].detections}
    assert '' not in first and len(first) == len(out[-1].detections) > 0
    assert first == second, 'the same objects in the same places keep their ids'
    assert detector.node.set_parameters([Parameter('tracking', value=False)])[0].successful
    detector.send(image)
    assert all(d.id == '' for d in out[-1].detections)


# ------------------------------------------------------------------ segmentation, pose, depth
@pytest.fixture(scope='module')
def segmenter(ros, data_dir):
    """Return an active segmentation node on deeplabv3_mobilenetv2_voc."""
    mod = pytest.importorskip('jetson_dnn_ros.ros.segmentation_node')
    harness = active(mod.SegmentationNode, model='deeplabv3_mobilenetv2_voc',
                     backend='onnxruntime')
    yield harness
    harness.close()


def test_segmentation_class_map_and_color_mask(segmenter, photo, data_dir):
    image = photo('dog_0')
    h, w = image.shape[:2]
    seg = segmenter.listen(Image, 'segmentation')
    sent = segmenter.send(image, stamp_sec=31)
    assert len(seg) == 1 and same_header(seg[0].header, sent.header)
    assert (seg[0].height, seg[0].width, seg[0].encoding) == (h, w, 'mono8')
    class_map = np.frombuffer(bytes(seg[0].data), np.uint8).reshape(h, seg[0].step)[:, :w]
    expected = segmenter.node.pipeline.run(image, 'bgr8')
    np.testing.assert_array_equal(class_map, expected.class_map)
    assert expected.labels.index('dog') in np.unique(class_map)  # the photo shows a dog
    assert 'color_mask' not in segmenter.received
    masks = segmenter.listen(Image, 'color_mask')
    segmenter.send(image)
    assert len(masks) == 1 and masks[0].encoding == 'rgb8'
    assert (masks[0].height, masks[0].width) == (h, w)
    # each class in the VOC colour of the shared palette file; no ignore_class: all drawn
    assert expected.ignore_class is None
    mask = np.frombuffer(bytes(masks[0].data), np.uint8).reshape(h, masks[0].step)[:, :3 * w]
    palette = {}
    for line in (data_dir / 'labels' / 'voc21_palette_rgb.txt').read_text().splitlines():
        *name, r, g, b = line.split()
        palette[' '.join(name)] = (int(r), int(g), int(b))
    rgb = mask.reshape(h, w, 3)
    for c in np.unique(class_map):
        np.testing.assert_array_equal(
            np.unique(rgb[class_map == c], axis=0), [palette[expected.labels[c]]])
    reject = segmenter.node.set_parameters([Parameter('ignore_class', value='unicorn')])[0]
    assert not reject.successful and 'unicorn' in reject.reason
    ok = segmenter.node.set_parameters([Parameter('ignore_class', value='background')])[0]
    assert ok.successful, ok.reason
    try:
        segmenter.send(image)
    finally:
        assert segmenter.node.set_parameters([Parameter('ignore_class', value='')])[0].successful
    ignored = np.frombuffer(bytes(masks[-1].data), np.uint8).reshape(h, w, 3)
    background = class_map == expected.labels.index('background')
    assert background.any() and not ignored[background].any()   # background left black
    np.testing.assert_array_equal(ignored[~background], rgb[~background])


@pytest.fixture(scope='module')
def poser(ros, data_dir):
    """Return an active pose node on bodypix_mobilenetv1_050."""
    mod = pytest.importorskip('jetson_dnn_ros.ros.pose_node')
    harness = active(mod.PoseNode, model='bodypix_mobilenetv1_050', backend='onnxruntime')
    yield harness
    harness.close()


def test_pose_one_detection_per_person(poser, photo):
    image = photo('humans_0')
    out = poser.listen(Detection2DArray, 'poses')
    sent = poser.send(image, stamp_sec=41)
    assert len(out) == 1 and same_header(out[0].header, sent.header)
    expected = poser.node.pipeline.run(image, 'bgr8')
    assert len(out[0].detections) == len(expected) > 0
    det, person = out[0].detections[0], expected.persons[0]
    assert det.results[0].hypothesis.class_id == 'person'
    names = [r.hypothesis.class_id for r in det.results[1:]]
    assert names == list(expected.keypoint_names)
    xy = np.array([[r.pose.pose.position.x, r.pose.pose.position.y] for r in det.results[1:]])
    np.testing.assert_allclose(xy, person.keypoints[:, :2], atol=1e-3)
    overlays = poser.listen(Image, 'overlay')
    default_options = poser.node.overlay_options
    assert poser.node.set_parameters([Parameter('keypoint_scale', value=0.02)])[0].successful
    poser.send(image)
    poser.unlisten('overlay')
    assert len(overlays) == 1
    assert poser.node.overlay_options.keypoint_scale == 0.02
    # the published overlay is the photo drawn with the new keypoint size, not the old one
    # (humans_0 is 413 px wide: radius max(413 × 0.02, 4) = 8 px instead of the minimum 4)
    from dataclasses import replace
    from jetson_dnn_ros.overlay import draw
    drawn = np.frombuffer(bytes(overlays[0].data), np.uint8).reshape(image.shape)
    np.testing.assert_array_equal(
        drawn, draw(image, expected, replace(default_options, keypoint_scale=0.02)))
    assert not np.array_equal(drawn, draw(image, expected, default_options))


def test_pose_node_input_size_parameter(ros, data_dir, photo, logs):
    """Issue 14 item 4: input_size per camera aspect by default, overridable, bad text refused."""
    from jetson_dnn_ros.ros.pose_node import PoseNode
    from rclpy.lifecycle import TransitionCallbackReturn
    portrait = cv2.resize(photo('humans_0'), (480, 640))
    harness = Harness(PoseNode, model='bodypix_mobilenetv1_050', backend='onnxruntime',
                      input_size='513 by 385')
    try:
        node = harness.node
        records = logs(node.get_logger().name, logging.ERROR)
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert "input size '513 by 385' is not WxH" in records[-1].getMessage()
        for text, size in (('', (481, 641)), ('513x385', (513, 385)), ('197505', (385, 513))):
            assert node.set_parameters([Parameter('input_size', value=text)])[0].successful
            assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
            assert node.pipeline.input_size_for(portrait) == size, text
            node.pipeline.run(portrait)
            shown = node.diagnostics_values()['input_size']   # what the robot runs at
            assert shown.startswith(f'{size[0]}x{size[1]}'), shown
            assert ('per aspect' in shown) == ('x' not in text), shown
            assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
    finally:
        harness.close()


def test_pose_node_input_size_given_as_a_number(ros, photo):
    """
    ``-p input_size:=308321`` (or ``input_size: 308321`` in a params file) is an INTEGER.

    The documented pixel budget must not kill the node at start with rclpy's
    InvalidParameterTypeException (a STRING was expected); it works as the text '308321'.
    """
    from jetson_dnn_ros.ros.pose_node import PoseNode
    from rclpy.lifecycle import TransitionCallbackReturn
    portrait = cv2.resize(photo('humans_0'), (480, 640))
    harness = Harness(PoseNode, model='bodypix_mobilenetv1_050', backend='onnxruntime',
                      input_size=197505)
    try:
        node = harness.node
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.pipeline.input_size_for(portrait) == (385, 513)
        assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
        assert node.set_parameters([Parameter('input_size', value=308321)])[0].successful
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.pipeline.input_size_for(portrait) == (481, 641)
        assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
        for bad in (2.5, True):
            result = node.set_parameters([Parameter('input_size', value=bad)])[0]
            assert not result.successful and 'input_size must be' in result.reason
    finally:
        harness.close()


@pytest.fixture(scope='module')
def depther(ros, data_dir):
    """Return an active depth node on fastdepth (metric, metres)."""
    mod = pytest.importorskip('jetson_dnn_ros.ros.depth_node')
    harness = active(mod.DepthNode, model='fastdepth', backend='onnxruntime', point_stride=8)
    yield harness
    harness.close()


def test_depth_image_colored_and_points(depther, photo):
    image = photo('room_0')
    h, w = image.shape[:2]
    depth = depther.listen(Image, 'depth')
    sent = depther.send(image, stamp_sec=51)
    assert len(depth) == 1 and same_header(depth[0].header, sent.header)
    assert (depth[0].height, depth[0].width, depth[0].encoding) == (h, w, '32FC1')
    values = np.frombuffer(bytes(depth[0].data), np.float32).reshape(h, w)
    expected = depther.node.pipeline.run(image, 'bgr8')
    np.testing.assert_allclose(values, expected.depth, rtol=1e-6)
    assert 0.3 < float(np.median(values)) < 10.0  # indoor room, metres
    colored = depther.listen(Image, 'depth/colored')
    points = depther.listen(PointCloud2, 'points')
    depther.send(image)
    assert len(colored) == 1 and colored[0].encoding == 'rgb8'
    assert points == []  # no camera_info yet
    k = [0.9 * w, 0.0, w / 2.0, 0.0, 0.9 * w, h / 2.0, 0.0, 0.0, 1.0]
    depther.info_pub.publish(CameraInfo(header=sent.header, width=w, height=h, k=k))
    depther.spin()
    sent = depther.send(image, stamp_sec=52)
    assert len(points) == 1 and same_header(points[0].header, sent.header)
    cloud = points[0]
    assert [f.name for f in cloud.fields] == ['x', 'y', 'z', 'rgb']
    xyzc = np.frombuffer(bytes(cloud.data), np.float32).reshape(-1, cloud.point_step // 4)
    # every 8th pixel with a valid depth, back-projected through the pinhole camera k
    # (the depth map is at the image size here, so k applies unscaled)
    v, u = np.nonzero(np.isfinite(values[::8, ::8]) & (values[::8, ::8] > 0))
    v, u = 8 * v, 8 * u
    z = values[v, u]
    assert cloud.width * cloud.height == len(z) > 0
    np.testing.assert_allclose(xyzc[:, 2], z, rtol=1e-6)
    np.testing.assert_allclose(xyzc[:, 0], (u - w / 2.0) * z / (0.9 * w), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xyzc[:, 1], (v - h / 2.0) * z / (0.9 * w), rtol=1e-5, atol=1e-6)
    b, g, r = (image[v, u, c].astype(np.uint32) for c in range(3))
    np.testing.assert_array_equal(xyzc[:, 3].view(np.uint32), (r << 16) | (g << 8) | b)


def test_a_fixture_whose_transition_fails_leaves_no_node(ros, data_dir):
    from jetson_dnn_ros.ros.classification_node import ClassificationNode
    before = [n.get_fully_qualified_name() for n in live_nodes()]
    with pytest.raises(AssertionError):   # configure fails: the fixture fails ...
        active(ClassificationNode, model='no_such_model', backend='onnxruntime')
    # ... and its nodes are gone: a node left alive answers under its name on the graph
    assert [n.get_fully_qualified_name() for n in live_nodes()] == before


def test_perception_creates_nodes_in_launch_namespaces(ros):
    from jetson_dnn_ros.ros import perception
    nodes = perception.create_nodes(P.parse_tasks('detection,depth'))
    try:
        assert [n.get_fully_qualified_name() for n in nodes] == [
            '/detection/detection_node', '/depth/depth_node']
        assert all(state_of(n) == 'unconfigured' for n in nodes)  # nobody triggers them
    finally:
        for node in nodes:
            node.destroy_node()
    with pytest.raises(ValueError, match='unknown task'):
        perception.node_class('ocr')


def test_compressed_input_is_decoded(detector, photo):
    import cv2
    from sensor_msgs.msg import CompressedImage
    image = photo('peds_0')
    ok, jpeg = cv2.imencode('.jpg', image)
    assert ok
    msg = CompressedImage(header=Header(stamp=Time(sec=23), frame_id='camera_optical_frame'),
                          format='bgr8; jpeg compressed bgr8', data=jpeg.tobytes())
    out = detector.listen(Detection2DArray, 'detections')
    detector.clear()
    detector.node.on_image(msg)  # what the image/compressed subscription calls
    detector.spin()
    assert len(out) == 1 and same_header(out[0].header, msg.header)
    assert 'person' in [d.results[0].hypothesis.class_id for d in out[0].detections]


def test_frames_arriving_while_busy_or_too_fast_are_dropped(detector, photo):
    node = detector.node
    out = detector.listen(Detection2DArray, 'detections')
    detector.clear()
    msg = image_msg(np.full((120, 160, 3), 90, np.uint8))
    before = node.stats.dropped_total
    with node._busy:  # a previous frame is still being processed
        node.on_image(msg)
    assert node.stats.dropped_total == before + 1 and out == []
    assert node.set_parameters([Parameter('max_rate', value=0.001)])[0].successful
    node._last_start = float('-inf')  # no frame processed for a long time
    try:
        node.on_image(msg)  # processed
        node.on_image(msg)  # skipped: within 1 / max_rate of the previous one
        detector.spin()
    finally:
        assert node.set_parameters([Parameter('max_rate', value=0.0)])[0].successful
    assert node.stats.dropped_total == before + 2 and len(out) == 1


def test_compressed_transport_subscribes_to_image_compressed(ros, data_dir, photo):
    """With image_transport=compressed the node reads <ns>/image/compressed, not <ns>/image."""
    import cv2
    from jetson_dnn_ros.ros.classification_node import ClassificationNode
    from sensor_msgs.msg import CompressedImage
    harness = active(ClassificationNode, model='mobilenet_v2_1001', backend='onnxruntime',
                     image_transport='compressed')
    try:
        # the node's only image input is the compressed topic (other tests' nodes may share
        # the namespace, so graph-wide counts on the raw topic are not this node's)
        assert harness.node._image_sub.topic_name == f'{harness.ns}/image/compressed'
        pub = harness.probe.create_publisher(CompressedImage, f'{harness.ns}/image/compressed',
                                             IMAGE_QOS)
        assert harness.probe.count_subscribers(f'{harness.ns}/image/compressed') == 1
        ok, jpeg = cv2.imencode('.jpg', photo('bird_0'))
        assert ok
        msg = CompressedImage(header=Header(stamp=Time(sec=31), frame_id='camera_optical_frame'),
                              format='bgr8; jpeg compressed bgr8', data=jpeg.tobytes())
        out = harness.listen(Classification, 'classification')
        pub.publish(msg)
        harness.spin()
        assert len(out) == 1 and same_header(out[0].header, msg.header)
        decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
        expected = harness.node.pipeline.run(decoded, 'bgr8')
        assert [r.class_id for r in out[0].results] == list(expected.labels)
    finally:
        harness.close()
