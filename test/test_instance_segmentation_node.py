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
The instance segmentation node on the real YOLOv8n-seg, through the rclpy stand-in graph.

Same harness as ``test_nodes.py``: the node runs in its launch namespace
(``/instance_segmentation``), a probe publishes photos and records the outputs, and the
expected values come from the node's own pipeline on the same image.
"""

import logging

import numpy as np
import pytest

# stand-in rclpy (test/conftest.py installs it); marker standins: see test_standins_isolation.py
from diagnostic_msgs.msg import DiagnosticArray  # noqa: I100
from rclpy.parameter import Parameter  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from test_nodes import active, fresh_records, Harness, LATCHED, ros  # noqa: E402, F401
from test_nodes import same_header, state_of  # noqa: E402
from vision_msgs.msg import Detection2DArray, LabelInfo  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.standins]


@pytest.fixture(scope='module')
def instseg(ros, data_dir):  # noqa: F811 - the ros fixture imported above
    """Return an active instance segmentation node on yolov8n_seg (ONNX Runtime)."""
    from jetson_dnn_ros.ros.instance_segmentation_node import InstanceSegmentationNode
    harness = active(InstanceSegmentationNode, model='yolov8n_seg', backend='onnxruntime')
    yield harness
    harness.close()


def _ids(msg):
    return np.frombuffer(bytes(msg.data), np.uint16).reshape(msg.height, msg.width)


def test_detections_and_instance_image_of_the_pedestrians(instseg, photo):
    image = photo('peds_0')
    h, w = image.shape[:2]
    dets = instseg.listen(Detection2DArray, 'detections')
    inst = instseg.listen(Image, 'instances')
    sent = instseg.send(image, stamp_sec=41)
    assert len(dets) == 1 and len(inst) == 1
    assert same_header(dets[0].header, sent.header) and same_header(inst[0].header, sent.header)
    expected = instseg.node.pipeline.run(image, 'bgr8')
    msg = dets[0]
    assert len(msg.detections) == len(expected) > 0
    assert [d.id for d in msg.detections] == [str(i) for i in range(len(expected))]
    assert [d.results[0].hypothesis.class_id for d in msg.detections] == list(expected.labels)
    boxes = expected.boxes.astype(np.float64)
    centers = np.array([[d.bbox.center.position.x, d.bbox.center.position.y]
                        for d in msg.detections])
    np.testing.assert_allclose(centers, (boxes[:, :2] + boxes[:, 2:]) / 2, atol=1e-3)
    # the instance image: source resolution, pixel = int(Detection2D.id) + 1
    assert (inst[0].encoding, inst[0].height, inst[0].width) == ('mono16', h, w)
    ids = _ids(inst[0])
    np.testing.assert_array_equal(ids, expected.instance_map())
    persons = [int(d.id) for d in msg.detections
               if d.results[0].hypothesis.class_id == 'person'
               and d.results[0].hypothesis.score > 0.5]
    assert len(persons) == 4   # the four pedestrians
    for i in persons:
        area = (ids == i + 1).sum()
        x1, y1, x2, y2 = boxes[i]
        assert 0.3 * (x2 - x1) * (y2 - y1) < area <= (x2 - x1 + 1) * (y2 - y1 + 1)


def test_empty_image_publishes_empty_outputs(instseg):
    dets = instseg.listen(Detection2DArray, 'detections')
    inst = instseg.listen(Image, 'instances')
    sent = instseg.send(np.full((120, 160, 3), 127, np.uint8), stamp_sec=42)
    assert len(dets) == 1 and len(dets[0].detections) == 0
    assert len(inst) == 1 and same_header(inst[0].header, sent.header)
    assert (inst[0].height, inst[0].width) == (120, 160) and not _ids(inst[0]).any()


def test_label_info_overlay_and_diagnostics(instseg, photo):
    late = instseg.listen(LabelInfo, 'label_info', LATCHED)
    instseg.spin()
    assert len(late) == 1 and len(late[0].class_map) == 80
    assert late[0].class_map[0].class_name == 'person'
    from jetson_dnn_ros.overlay import draw
    image = photo('peds_0')
    overlays = instseg.listen(Image, 'overlay')
    instseg.send(image)
    instseg.unlisten('overlay')
    assert len(overlays) == 1
    drawn = np.frombuffer(bytes(overlays[0].data), np.uint8).reshape(image.shape)
    expected = draw(image, instseg.node.pipeline.run(image, 'bgr8'),
                    instseg.node.overlay_options)
    np.testing.assert_array_equal(drawn, expected)
    assert not np.array_equal(drawn, image)
    diags = instseg.listen(DiagnosticArray, '/diagnostics')
    instseg.node.publish_diagnostics()
    instseg.spin()
    instseg.unlisten('/diagnostics')
    status = diags[-1].status[0]
    assert status.name == ('/instance_segmentation/instance_segmentation_node: '
                           'instance_segmentation')
    values = {kv.key: kv.value for kv in status.values}
    assert (values['model'], values['state']) == ('yolov8n_seg', 'active')


def test_runtime_parameters(instseg, photo):
    node = instseg.node
    dets = instseg.listen(Detection2DArray, 'detections')
    assert node.pipeline.params.iou_threshold == pytest.approx(0.7)   # ultralytics default
    assert node.set_parameters([Parameter('class_agnostic', value=True)])[0].successful
    assert node.set_parameters([Parameter('max_detections', value=2)])[0].successful
    try:
        instseg.send(photo('peds_0'))
        assert node.pipeline.params.class_agnostic is True
        assert len(dets[-1].detections) == 2
    finally:
        assert node.set_parameters([Parameter('class_agnostic', value=False),
                                    Parameter('max_detections', value=0)])[0].successful
    assert node.pipeline.params.max_detections == 300


def test_configure_fails_on_bad_prototypes_and_recovers(
        ros, data_dir, tmp_path, caplog):  # noqa: F811 - the ros fixture imported above
    from jetson_dnn_ros.ros.instance_segmentation_node import InstanceSegmentationNode
    from pathlib import Path

    from onnxgen import constant_model
    from rclpy.lifecycle import TransitionCallbackReturn
    import yaml
    head = np.zeros((1, 4 + 80 + 32, 2100), np.float32)
    protos = np.zeros((1, 16, 80, 80), np.float32)      # 16 prototypes, 32 coefficients
    model = constant_model(tmp_path / 'bad_seg.onnx', {'output0': head, 'output1': protos},
                           input_shape=(1, 3, 320, 320))
    root = Path(__file__).resolve().parents[1]
    spec = yaml.safe_load((root / 'config' / 'models' / 'yolov8n_seg.yaml').read_text())
    spec.update(file=str(model), sha256=None)
    descriptor = tmp_path / 'bad_seg.yaml'
    descriptor.write_text(yaml.safe_dump(spec))
    harness = Harness(InstanceSegmentationNode, model=str(descriptor), backend='onnxruntime')
    node = harness.node
    try:
        with caplog.at_level(logging.ERROR):
            assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        message = caplog.records[-1].getMessage()
        assert 'configure failed' in message and "'output1'" in message
        assert '(1, 16, 80, 80)' in message and 'do not fit the coefficients' in message
        assert state_of(node) == 'unconfigured'
        assert node.set_parameters([Parameter('model', value='yolov8n_seg')])[0].successful
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert state_of(node) == 'inactive'
    finally:
        harness.close()
