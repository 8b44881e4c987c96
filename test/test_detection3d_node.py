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
Issue 11 items 2 and 3: the detection node with ``detection_3d`` on, through the stand-in graph.

The node (yolox_nano, ONNX Runtime, launch namespace ``/detection``) is fed a photo, a
synthetic depth image aligned to it and a camera_info by a probe node; colour and depth are
paired by message_filters' ApproximateTimeSynchronizer (the stand-in mirrors
ros2/message_filters). Expected 3D boxes are the 2D boxes of the same message back-projected
through the camera_info K at the rendered depth.
"""

import numpy as np
import pytest

# stand-in rclpy (test/conftest.py installs it); marker standins: see test_standins_isolation.py
from builtin_interfaces.msg import Time  # noqa: I100
from message_filters import ApproximateTimeSynchronizer, SimpleFilter  # noqa: E402
from rclpy.qos import QoSProfile, ReliabilityPolicy  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from test_nodes import active, fresh_records, Harness, ros  # noqa: E402, F401
from test_nodes import same_header, state_of  # noqa: E402
from vision_msgs.msg import Detection2DArray, Detection3DArray  # noqa: E402
from visualization_msgs.msg import Marker, MarkerArray  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.standins]

IMAGE_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
FX = 600.0


def depth_msg(depth: np.ndarray, sec: int, nanosec: int = 250,
              frame_id: str = 'camera_optical_frame') -> Image:
    """Build a 16UC1 (uint16 mm) or 32FC1 (float32 m) sensor_msgs/Image."""
    encoding = '16UC1' if depth.dtype == np.uint16 else '32FC1'
    h, w = depth.shape
    return Image(header=Header(stamp=Time(sec=sec, nanosec=nanosec), frame_id=frame_id),
                 height=h, width=w, encoding=encoding, step=depth.strides[0],
                 data=np.ascontiguousarray(depth).tobytes())


class Depth3D:
    """The harness plus a depth publisher."""

    def __init__(self, harness):
        self.harness = harness
        self.node = harness.node
        self.depth_pub = harness.probe.create_publisher(Image, f'{harness.ns}/depth', IMAGE_QOS)

    def camera_info(self, w, h):
        k = [FX, 0.0, (w - 1) / 2.0, 0.0, FX, (h - 1) / 2.0, 0.0, 0.0, 1.0]
        self.harness.info_pub.publish(CameraInfo(width=w, height=h, k=k))
        self.harness.spin()
        return k

    def photo_with_info(self, photo):
        """Return (image, h, w, detections record, detections_3d record) after a camera_info."""
        image = photo('peds_0')
        h, w = image.shape[:2]
        self.camera_info(w, h)
        return (image, h, w, self.harness.listen(Detection2DArray, 'detections'),
                self.harness.listen(Detection3DArray, 'detections_3d'))

    def depth(self, depth, sec, nanosec=250):
        self.depth_pub.publish(depth_msg(depth, sec, nanosec))
        self.harness.spin()


@pytest.fixture(scope='module')
def det3d(ros, data_dir):  # noqa: F811 - the ros fixture imported above
    """Return an active detection node with detection_3d on (slop 50 ms)."""
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    harness = active(DetectionNode, model='yolox_nano', backend='onnxruntime',
                     detection_3d=True, depth_slop=0.05)
    yield Depth3D(harness)
    harness.close()


def _counters(node):
    return {k: v for k, v in node.diagnostics_values().items()
            if k.startswith(('drop3d_', 'skip3d_', 'frames_3d_'))}


def test_no_3d_output_without_camera_info(det3d, photo):
    image = photo('peds_0')
    h, w = image.shape[:2]
    out3d = det3d.harness.listen(Detection3DArray, 'detections_3d')
    det3d.depth(np.full((h, w), 2000, np.uint16), sec=30)
    det3d.harness.send(image, stamp_sec=30)
    assert out3d == []
    assert _counters(det3d.node)['skip3d_no_camera_info'] == '1'


def test_photo_with_aligned_depth_gives_boxes_at_that_depth(det3d, photo):
    """Colour + 16UC1 depth (2.0 m plane) + camera_info -> detections_3d and markers."""
    image = photo('peds_0')
    h, w = image.shape[:2]
    k = det3d.camera_info(w, h)
    out2d = det3d.harness.listen(Detection2DArray, 'detections')
    out3d = det3d.harness.listen(Detection3DArray, 'detections_3d')
    markers = det3d.harness.listen(MarkerArray, 'detections_3d/markers')
    det3d.depth(np.full((h, w), 2000, np.uint16), sec=31)
    sent = det3d.harness.send(image, stamp_sec=31)
    assert len(out2d) == 1 and len(out3d) == 1 and len(markers) == 1
    msg = out3d[0]
    assert same_header(msg.header, sent.header)
    dets2d = out2d[0].detections
    assert len(msg.detections) == len(dets2d) > 0
    for d2, d3 in zip(dets2d, msg.detections):
        assert same_header(d3.header, sent.header)
        centre, size = d3.bbox.center.position, d3.bbox.size
        assert centre.z == pytest.approx(2.0)
        u = d2.bbox.center.position.x - 0.5
        v = d2.bbox.center.position.y - 0.5
        assert centre.x == pytest.approx((u - k[2]) * 2.0 / FX, rel=1e-6, abs=1e-9)
        assert centre.y == pytest.approx((v - k[5]) * 2.0 / FX, rel=1e-6, abs=1e-9)
        assert size.x == pytest.approx(d2.bbox.size_x * 2.0 / FX, rel=1e-6)
        assert size.y == pytest.approx(d2.bbox.size_y * 2.0 / FX, rel=1e-6)
        assert d3.results[0].hypothesis.class_id == d2.results[0].hypothesis.class_id
        assert d3.results[0].hypothesis.score == pytest.approx(d2.results[0].hypothesis.score)
        assert d3.bbox.center.orientation.w == 1.0
    # markers: DELETEALL, then a cube and a label per detection, in the image's frame
    array = markers[0].markers
    assert array[0].action == Marker.DELETEALL
    cubes = [m for m in array if m.type == Marker.CUBE]
    texts = [m for m in array if m.type == Marker.TEXT_VIEW_FACING]
    assert len(cubes) == len(texts) == len(msg.detections) and len(array) == 1 + 2 * len(cubes)
    assert all(same_header(m.header, sent.header) for m in array)
    assert cubes[0].pose.position.z == pytest.approx(2.0)
    assert all(m.scale.z > 0 for m in cubes)   # rviz refuses a zero scale
    assert _counters(det3d.node)['frames_3d_out'] == '1'


def test_depth_arriving_after_the_colour_frame_still_pairs(det3d, photo):
    """32FC1 metres, stamped 20 ms later than the colour frame, published after it."""
    image = photo('peds_0')
    h, w = image.shape[:2]
    det3d.camera_info(w, h)
    out3d = det3d.harness.listen(Detection3DArray, 'detections_3d')
    sent = det3d.harness.send(image, stamp_sec=32)
    assert out3d == []
    det3d.depth(np.full((h // 2, w // 2), 3.5, np.float32), sec=32, nanosec=20_000_250)
    assert len(out3d) == 1 and same_header(out3d[0].header, sent.header)
    assert len(out3d[0].detections) > 0
    assert all(d.bbox.center.position.z == pytest.approx(3.5) for d in out3d[0].detections)


def test_unmatched_stamps_beyond_the_slop_give_no_3d_output(det3d, photo):
    image, h, w, out2d, out3d = det3d.photo_with_info(photo)
    det3d.depth(np.full((h, w), 2000, np.uint16), sec=40)
    det3d.harness.send(image, stamp_sec=40)    # the same stamp: a pair
    assert len(out3d) == 1
    det3d.harness.clear()
    det3d.depth(np.full((h, w), 2000, np.uint16), sec=41, nanosec=200_000_000)
    det3d.harness.send(image, stamp_sec=41)     # 200 ms apart, slop 50 ms
    assert len(out2d) == 1 and out3d == []


def test_nan_depth_gives_an_empty_array_and_counted_drops(det3d, photo):
    image, h, w, out2d, out3d = det3d.photo_with_info(photo)
    before = int(_counters(det3d.node).get('drop3d_no_valid_depth', '0'))
    det3d.depth(np.full((h, w), np.nan, np.float32), sec=50)
    sent = det3d.harness.send(image, stamp_sec=50)
    assert len(out3d) == 1 and same_header(out3d[0].header, sent.header)
    assert out3d[0].detections == []
    n = len(out2d[0].detections)
    assert n > 0 and int(_counters(det3d.node)['drop3d_no_valid_depth']) == before + n


def test_bad_camera_info_or_depth_encoding_skip_the_frame_counted(det3d, photo, logs):
    image = photo('peds_0')
    h, w = image.shape[:2]
    records = logs(det3d.node.get_logger().name)
    out3d = det3d.harness.listen(Detection3DArray, 'detections_3d')
    det3d.harness.info_pub.publish(CameraInfo(width=w, height=h, k=[0.0] * 9))
    det3d.harness.spin()
    det3d.depth(np.full((h, w), 2000, np.uint16), sec=55)
    det3d.harness.send(image, stamp_sec=55)
    assert out3d == [] and _counters(det3d.node)['skip3d_bad_camera_info'] == '1'
    assert any('camera_info cannot back-project' in r.getMessage() for r in records)
    det3d.camera_info(w, h)
    bgr = depth_msg(np.full((h, w * 3), 2, np.uint16), sec=56)
    bgr.encoding, bgr.width, bgr.step = 'rgb8', w * 2, w * 6   # colour sent as depth
    det3d.depth_pub.publish(bgr)
    det3d.harness.spin()
    det3d.harness.send(image, stamp_sec=56)
    assert out3d == [] and _counters(det3d.node)['skip3d_bad_depth'] == '1'
    assert any('depth image unusable' in r.getMessage() and 'REP-118' in r.getMessage()
               for r in records)
    # the next good pair is published again
    det3d.depth(np.full((h, w), 2000, np.uint16), sec=57)
    det3d.harness.send(image, stamp_sec=57)
    assert len(out3d) == 1


def test_detection_3d_off_by_default_subscribes_no_depth(ros, data_dir):  # noqa: F811
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    depth_subs = _depth_subscribers()
    harness = active(DetectionNode, model='yolox_nano', backend='onnxruntime')
    try:
        assert harness.node.get_parameter('detection_3d').value is False
        assert harness.node._depth_sub is None and harness.node._info_sub is None
        assert harness.node._detections_3d_pub is None
        assert _depth_subscribers() == depth_subs
    finally:
        harness.close()


def test_deactivate_removes_the_depth_subscription(ros, data_dir):  # noqa: F811
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    harness = active(DetectionNode, model='yolox_nano', backend='onnxruntime',
                     detection_3d=True)
    try:
        depth_subs = _depth_subscribers()
        assert harness.node._depth_sub is not None
        harness.node.trigger_deactivate()
        assert harness.node._depth_sub is None and _depth_subscribers() == depth_subs - 1
        harness.node.trigger_activate()
        assert _depth_subscribers() == depth_subs
        harness.node.trigger_deactivate()
        harness.node.trigger_cleanup()
        assert _depth_subscribers() == depth_subs - 1
    finally:
        harness.close()


def test_a_negative_stamp_never_reaches_the_executor(det3d, photo):
    """A stamp with sec < 0 (rclpy's Time refuses it) is counted; spin goes on."""
    image = photo('peds_0')
    h, w = image.shape[:2]
    det3d.depth(np.full((h, w), 2000, np.uint16), sec=-1)      # spin() would raise before
    det3d.harness.send(image, stamp_sec=-1)
    assert _counters(det3d.node)['skip3d_bad_stamp'] == '2'


def test_detection_3d_with_several_cameras_fails_configure(ros, data_dir):  # noqa: F811
    """One depth image and one camera_info cannot serve several cameras: configure says so."""
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    from rclpy.lifecycle import TransitionCallbackReturn
    harness = Harness(DetectionNode, model='yolox_nano', backend='onnxruntime',
                      detection_3d=True, cameras=['front', 'left'])
    try:
        assert harness.node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert state_of(harness.node) == 'unconfigured'
    finally:
        harness.close()


def _depth_subscribers():
    """Return the subscriptions to /detection/depth in the graph (other tests' nodes too)."""
    import rclpy
    node = rclpy.create_node('depth_counter')
    try:
        return node.count_subscribers('/detection/depth')
    finally:
        node.destroy_node()


def _stamped(sec, nanosec=0):
    class Msg:
        header = Header(stamp=Time(sec=sec, nanosec=nanosec))
    return Msg()


def test_approximate_synchronizer_standin_pairs_within_slop_and_evicts():
    """The stand-in mirrors ros2/message_filters: pairs within slop, queue_size eviction."""
    a, b = SimpleFilter(), SimpleFilter()
    pairs = []
    sync = ApproximateTimeSynchronizer([a, b], 2, 0.05)
    sync.registerCallback(lambda x, y: pairs.append((x, y)))
    m1, d1 = _stamped(1), _stamped(1, 30_000_000)
    a.signalMessage(m1)
    b.signalMessage(d1)
    assert pairs == [(m1, d1)]
    a.signalMessage(_stamped(2))
    b.signalMessage(_stamped(2, 60_000_000))   # 60 ms > slop: no pair, both stay queued
    assert len(pairs) == 1 and len(sync.queues[0]) == 1 and len(sync.queues[1]) == 1
    for sec in (3, 4, 5):                      # queue_size 2: the oldest is dropped
        a.signalMessage(_stamped(sec))
    assert sorted(sync.queues[0]) == [4_000_000_000, 5_000_000_000]
    b.signalMessage(object())                  # headerless: refused (allow_headerless off)
    assert len(sync.queues[1]) == 1


def test_instance_segmentation_takes_the_depth_inside_each_mask(
        ros, data_dir, photo):  # noqa: F811 - the ros fixture imported above
    """Each instance's pixels at its own depth in front of an 8 m background."""
    from jetson_dnn_ros.ros.instance_segmentation_node import InstanceSegmentationNode
    from jetson_dnn_ros.tasks.detection3d import lift_detections, PinholeCamera
    harness = active(InstanceSegmentationNode, model='yolov8n_seg', backend='onnxruntime',
                     detection_3d=True)
    try:
        rig = Depth3D(harness)
        image = photo('peds_0')
        h, w = image.shape[:2]
        rig.camera_info(w, h)
        expected = harness.node.pipeline.run(image, 'bgr8')
        n = len(expected)
        assert n > 0
        depth = np.full((h, w), 8.0, np.float32)
        wanted = 2.0 + 0.25 * np.arange(n)
        for i in reversed(range(n)):        # the higher-scored instance owns overlaps
            depth[expected.masks[i]] = wanted[i]
        out3d = harness.listen(Detection3DArray, 'detections_3d')
        rig.depth(depth, sec=70)
        sent = harness.send(image, stamp_sec=70)
        assert len(out3d) == 1 and same_header(out3d[0].header, sent.header)
        zs = np.array([d.bbox.center.position.z for d in out3d[0].detections])
        assert len(zs) == n
        camera = PinholeCamera(FX, FX, (w - 1) / 2.0, (h - 1) / 2.0, w, h)
        core = lift_detections(expected, depth, camera)
        np.testing.assert_allclose(zs, [b.center[2] for b in core.boxes], rtol=1e-6)
        owned = [expected.masks[i] & (depth == wanted[i]) for i in range(n)]
        mostly_own = [i for i in range(n) if owned[i].sum() > 0.6 * expected.masks[i].sum()]
        assert len(mostly_own) >= 4      # the four pedestrians at least
        np.testing.assert_allclose(zs[mostly_own], wanted[mostly_own], rtol=1e-6)
    finally:
        harness.close()
